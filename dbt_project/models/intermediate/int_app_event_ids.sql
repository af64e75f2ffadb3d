-- Every app event file this build read, by id (amendments and ignored amendments included): what
-- the next incremental build compares the events folder with to find the saves made since
-- (warehouse/build.py, build_scope; docs/adr/0002, "Incremental builds").

with

app_events as (

    select * from {{ ref('stg_app_events') }}

),

final as (

    select
        event_id,
        challenge_id
    from app_events

)

select * from final
