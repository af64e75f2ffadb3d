-- Every challenge event from every source, before validation or the as-at cut-off. THE place to
-- union another event source.
--   case_system: the challenge_events extract
--   app:         the app's write-back events other than 'raised' (int_app_events: deduplicated on
--                event_id, amendments applied), action -> event_type
--
-- Re-keying (docs/marts.md, rule 3): an app event on a challenge logged in the app that
-- int_challenges_unioned matched to an extract challenge is moved onto the extract's challenge_id
-- (app_challenge_id keeps the id it was logged against), before the rule below.
--
-- Reconciliation (docs/marts.md, rule 4): an app event and a case-system event for the same
-- challenge are the SAME action when challenge_id, event_type, stage and event_on all match (stage compared with
-- nulls equal). It is counted once: the case-system row wins, because the case system is the
-- authority's statutory record and a later extract can correct it there; the app row is dropped
-- here and its id kept on the winning row (reconciled_app_event_id) so nothing vanishes without a
-- trace. Two app events never reconcile with each other: two people acting at the same moment are
-- two events, both kept.

{{ incremental_by_challenge() }}

with

events as (

    select * from {{ ref('stg_challenge_events') }}
    where {{ in_build_scope() }}

),

app_events as (

    select * from {{ ref('int_app_events') }}
    where {{ in_build_scope() }}

),

matched_challenges as (

    -- app challenges that are the same as an extract challenge (int_challenges_unioned)
    select
        challenge_id,
        app_challenge_id
    from {{ ref('int_challenges_unioned') }}
    where app_challenge_id is not null

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
        outcome_code,
        outcome_note,
        attendees,
        recorded_at,
        recorded_by,
        'case_system' as record_source,
        load_id,
        source_file,
        source_row
    from events

),

from_app as (

    select
        app_events.original_event_id as event_id,
        coalesce(matched_challenges.challenge_id, app_events.challenge_id) as challenge_id,
        matched_challenges.app_challenge_id,
        app_events.action as event_type,
        app_events.event_on,
        app_events.stage,
        app_events.actor_worker_id,
        app_events.assigned_to_worker_id,
        app_events.satisfied,
        app_events.reason,
        app_events.note,
        app_events.outcome_code,
        app_events.outcome_note,
        app_events.attendees,
        app_events.recorded_at,
        app_events.recorded_by,
        case when app_events.is_amended then app_events.event_id end as amended_by_event_id,
        'app' as record_source
    from app_events
    left join matched_challenges
        on app_events.challenge_id = matched_challenges.app_challenge_id
    -- good practice and a quarter's learning are not steps of a challenge
    where app_events.action not in ('raised', 'good_practice', 'learning')

),

case_system_ranked as (

    select
        event_id,
        challenge_id,
        event_type,
        stage,
        event_on,
        row_number() over (
            partition by challenge_id, event_type, stage, event_on
            order by recorded_at nulls last, event_id
        ) as match_rank
    from from_case_system

),

app_ranked as (

    select
        event_id,
        challenge_id,
        event_type,
        stage,
        event_on,
        row_number() over (
            partition by challenge_id, event_type, stage, event_on
            order by recorded_at, event_id
        ) as match_rank
    from from_app

),

matches as (

    -- one to one: the n-th app event with a key pairs with the n-th case-system event with it
    -- (each in recorded order), so two app events never collapse into one extract event
    select
        case_system_ranked.event_id,
        app_ranked.event_id as app_event_id
    from case_system_ranked
    inner join app_ranked
        on
            case_system_ranked.challenge_id = app_ranked.challenge_id
            and case_system_ranked.event_type = app_ranked.event_type
            and case_system_ranked.stage is not distinct from app_ranked.stage
            and case_system_ranked.event_on = app_ranked.event_on
            and case_system_ranked.match_rank = app_ranked.match_rank

),

case_system_reconciled as (

    select
        from_case_system.*,
        matches.app_event_id as reconciled_app_event_id
    from from_case_system
    left join matches
        on from_case_system.event_id = matches.event_id

),

app_unmatched as (

    select *
    from from_app
    where event_id not in (select app_event_id from matches)

),

final as (

    select * from case_system_reconciled
    union all by name
    select * from app_unmatched

)

select * from final
