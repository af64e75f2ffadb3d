-- Challenge events dated on or before the as-at date, in order per challenge and checked
-- against the protocol in force (int_challenge_events_ordered), with the last check: a response
-- is for a stage the challenge has reached. Every event keeps its row; an invalid one has an
-- issue_code (listed in mart_data_quality_issues) and is left out of everything counted.
-- Checks, in order (the first failing check names the issue): those of
-- int_challenge_events_ordered, then response_stage_not_reached.

with

events as (

    select * from {{ ref('int_challenge_events_ordered') }}

),

challenges as (

    select * from {{ ref('int_challenges') }}

),

entered_stages as (

    -- the stages each challenge has entered, with the event sequence it entered them at
    -- (0 = when raised)
    select
        challenge_id,
        entry_stage as stage_number,
        0 as entered_sequence
    from challenges
    where is_valid

    union all

    select
        challenge_id,
        target_stage as stage_number,
        event_sequence as entered_sequence
    from events
    where
        is_stage_change
        and path_issue_code is null

),

responses as (

    select
        events.event_id,
        coalesce(events.stage, events.stage_after) as response_stage,
        count(entered_stages.stage_number) > 0 as is_stage_reached
    from events
    left join entered_stages
        on
            events.challenge_id = entered_stages.challenge_id
            and coalesce(events.stage, events.stage_after) = entered_stages.stage_number
            and events.event_sequence > entered_stages.entered_sequence
    where
        events.event_type = 'response'
        and events.path_issue_code is null
    group by events.event_id, coalesce(events.stage, events.stage_after)

),

checked as (

    select
        events.*,
        responses.response_stage,
        coalesce(
            events.path_issue_code,
            case when responses.is_stage_reached = false then 'response_stage_not_reached' end
        ) as issue_code
    from events
    left join responses
        on events.event_id = responses.event_id

),

final as (

    select
        event_id,
        challenge_id,
        event_type,
        event_on,
        stage,
        event_sequence,
        is_stage_change,
        case when is_stage_change then target_stage end as target_stage,
        stage_before,
        stage_after,
        response_stage,
        is_cafcass_referral,
        is_bypass,
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
        issue_code,
        issue_code is null as is_valid,
        record_source,
        amended_by_event_id,
        reconciled_app_event_id,
        load_id,
        source_file,
        source_row
    from checked

)

select * from final
