-- Every challenge event from every source, before validation or the as-at cut-off. THE place to
-- union another event source: the app's write-back events (one Parquet file per form
-- submission) will be read here and unioned in with record_source 'app'.

with

events as (

    select * from {{ ref('stg_challenge_events') }}

),

from_case_system as (

    select
        event_id,
        challenge_id,
        event_type,
        event_on,
        stage,
        actor_worker_id,
        assigned_to_worker_id,
        satisfied,
        reason,
        note,
        recorded_at,
        recorded_by,
        'case_system' as record_source,
        load_id,
        source_file,
        source_row
    from events

),

final as (

    select * from from_case_system

)

select * from final
