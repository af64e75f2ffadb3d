with

source as (

    select * from {{ source('raw', 'challenge_events') }}

),

latest as (

    select *
    from source
    where event_id is not null
    qualify row_number() over (
        partition by event_id
        order by _load_id desc, _source_file desc, _source_row desc
    ) = 1

),

final as (

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
        outcome_code,
        outcome_note,
        attendees,
        recorded_at,
        recorded_by,
        _load_id as load_id,
        _source_file as source_file,
        _source_row as source_row
    from latest

)

select * from final
