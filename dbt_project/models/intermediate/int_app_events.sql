-- The app's write-back events with amendments applied: one row per ORIGINAL event, carrying the
-- record of its latest version. An amendment (amends_event_id set) replaces the event it amends;
-- an amendment of an amendment follows the chain back to the original. The latest version is
-- the one recorded last (recorded_at, then event_id). An amendment cannot change what the event
-- is (action) or which challenge it is about: one that does is not applied (is_amendment_ignored),
-- and an amendment of an event that does not exist stands as an event of its own.

with recursive

app_events as (

    select * from {{ ref('stg_app_events') }}

),

saved_ids as (

    select event_id as saved_event_id
    from app_events

),

originals as (

    select *
    from app_events
    where
        amends_event_id is null
        or amends_event_id not in (select saved_event_id from saved_ids)

),

chains as (

    -- every event with the original it ultimately amends
    select
        event_id,
        event_id as original_event_id,
        0 as chain_depth
    from originals

    union all

    select
        app_events.event_id,
        chains.original_event_id,
        chains.chain_depth + 1 as chain_depth
    from app_events
    inner join chains
        on app_events.amends_event_id = chains.event_id
    where chains.chain_depth < 100

),

versions as (

    select
        app_events.*,
        chains.original_event_id,
        originals.recorded_at as first_recorded_at,
        originals.recorded_by as first_recorded_by,
        app_events.action <> originals.action
        or app_events.challenge_id <> originals.challenge_id as is_amendment_ignored
    from app_events
    inner join chains
        on app_events.event_id = chains.event_id
    inner join originals
        on chains.original_event_id = originals.event_id

),

latest as (

    select
        *,
        count(*) over (partition by original_event_id) - 1 as amendment_count
    from versions
    where not is_amendment_ignored
    qualify row_number() over (
        partition by original_event_id
        order by recorded_at desc, event_id desc
    ) = 1

),

final as (

    select
        event_id,
        original_event_id,
        event_id <> original_event_id as is_amended,
        cast(amendment_count as integer) as amendment_count,
        action,
        challenge_id,
        event_on,
        recorded_at,
        recorded_by,
        first_recorded_at,
        first_recorded_by,
        child_id,
        raised_on,
        raised_by_worker_id,
        social_worker_id,
        team_id,
        legal_status,
        context,
        route,
        entry_stage,
        theme_codes,
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
    from latest

)

select * from final
