-- The app's write-back events, one row per event_id (a duplicate file, e.g. left by a future
-- compaction that wrote the events into one larger file before deleting the originals, is read
-- once). Amendments are resolved in int_app_events, not here.

with

source as (

    select * from {{ source('app', 'events') }}

),

deduplicated as (

    select *
    from source
    where event_id is not null
    qualify row_number() over (
        partition by event_id
        order by recorded_at, recorded_by
    ) = 1

),

final as (

    select
        event_id,
        action,
        challenge_id,
        cast(event_on as date) as event_on,
        -- UTC, without a time zone: the same type as the extract's recorded_at
        cast(timezone('UTC', recorded_at) as timestamp) as recorded_at,
        recorded_by,
        amends_event_id,
        child_id,
        cast(raised_on as date) as raised_on,
        raised_by_worker_id,
        social_worker_id,
        team_id,
        legal_status,
        context,
        route,
        cast(entry_stage as integer) as entry_stage,
        cast(coalesce(themes, []) as varchar[]) as theme_codes,
        concern,
        raised_with_worker_id,
        stage,
        actor_worker_id,
        assigned_to_worker_id,
        satisfied,
        reason,
        note,
        outcome_code,
        outcome_note,
        attendees
    from deduplicated

)

select * from final
