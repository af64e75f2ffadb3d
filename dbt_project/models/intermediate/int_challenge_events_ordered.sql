-- Challenge events dated on or before the as-at date, put in order per challenge, and the path
-- of stages they walk, checked against the version of the protocol the challenge follows (in
-- force on the day it was raised, int_challenges.protocol_version_id): every check of
-- int_challenge_events but the last (a response for a stage reached). Every event keeps its row;
-- one that fails a check has a path_issue_code.
--
-- Order within a challenge: event date, then escalations before responses before other actions
-- before resolutions, then recorded_at, then event_id.
-- Checks, in order (the first failing check names the issue):
--   unknown_challenge, event_before_raised, challenge_excluded, missing_stage,
--   stage_out_of_range, cafcass_not_lac, event_after_close (not notes), stage_backwards,
--   stage_repeated, duplicate_cafcass_referral.

with

events as (

    select * from {{ ref('int_challenge_events_unioned') }}

),

all_challenges as (

    select * from {{ ref('int_challenges_unioned') }}

),

challenges as (

    select * from {{ ref('int_challenges') }}

),

protocol as (

    select * from {{ ref('int_protocol') }}

),

classified as (

    select
        events.*,
        all_challenges.challenge_id is not null as is_known_challenge,
        all_challenges.raised_on,
        coalesce(challenges.is_valid, false) as is_challenge_valid,
        challenges.legal_status,
        challenges.entry_stage,
        protocol.stage_count,
        protocol.looked_after_only_cafcass,
        -- an escalation moves the challenge to events.stage; under a final-stage CAFCASS
        -- protocol a CAFCASS referral is an escalation to the CAFCASS stage
        coalesce(
            events.event_type = 'escalated'
            or (events.event_type = 'cafcass_referral' and protocol.cafcass_mode = 'final_stage'),
            false
        ) as is_stage_change,
        case
            when events.event_type = 'escalated' then events.stage
            when events.event_type = 'cafcass_referral' and protocol.cafcass_mode = 'final_stage'
                then protocol.cafcass_stage_number
        end as target_stage,
        events.event_type = 'cafcass_referral'
        or coalesce(events.event_type = 'escalated' and events.stage = protocol.cafcass_stage_number, false)
            as is_cafcass_referral,
        case events.event_type
            when 'escalated' then 1
            when 'cafcass_referral' then 1
            when 'response' then 2
            when 'resolved' then 4
            when 'withdrawn' then 4
            else 3
        end as type_order
    from events
    left join all_challenges
        on events.challenge_id = all_challenges.challenge_id
    left join challenges
        on events.challenge_id = challenges.challenge_id
    -- the challenge's own version of the protocol (none for an unknown or excluded challenge,
    -- whose events the first checks exclude)
    left join protocol
        on challenges.protocol_version_id = protocol.protocol_version_id
    where events.event_on <= {{ as_at_date() }}

),

first_checks as (

    select
        *,
        case
            when not is_known_challenge then 'unknown_challenge'
            when event_on < raised_on then 'event_before_raised'
            when not is_challenge_valid then 'challenge_excluded'
            when is_stage_change and target_stage is null then 'missing_stage'
            when is_stage_change and (target_stage < 1 or target_stage > stage_count)
                then 'stage_out_of_range'
            when is_cafcass_referral and looked_after_only_cafcass and legal_status <> 'lac'
                then 'cafcass_not_lac'
        end as first_issue
    from classified

),

sequenced as (

    select
        *,
        cast(row_number() over (
            partition by challenge_id
            order by event_on, type_order, recorded_at nulls last, event_id
        ) as integer) as event_sequence
    from first_checks
    where first_issue is null

),

closes as (

    select
        challenge_id,
        min(event_sequence) as close_sequence
    from sequenced
    where event_type in ('resolved', 'withdrawn')
    group by challenge_id

),

close_checked as (

    select
        sequenced.*,
        case
            when
                sequenced.event_sequence > closes.close_sequence
                and sequenced.event_type not in ('note', 'supervision')
                then 'event_after_close'
        end as close_issue
    from sequenced
    left join closes
        on sequenced.challenge_id = closes.challenge_id

),

stage_changes as (

    -- the highest stage reached before each escalation (the entry stage, or an earlier
    -- escalation's; an escalation that is not higher never raises it, so counting it is harmless)
    select
        event_id,
        greatest(
            entry_stage,
            coalesce(
                max(target_stage) over (
                    partition by challenge_id
                    order by event_sequence
                    rows between unbounded preceding and 1 preceding
                ),
                entry_stage
            )
        ) as stage_before
    from close_checked
    where
        close_issue is null
        and is_stage_change

),

concurrent_referrals as (

    select
        event_id,
        row_number() over (partition by challenge_id order by event_sequence) as referral_number
    from close_checked
    where
        close_issue is null
        and event_type = 'cafcass_referral'
        and not is_stage_change

),

change_checked as (

    select
        close_checked.*,
        stage_changes.stage_before,
        case
            when close_checked.close_issue is not null then null
            when close_checked.is_stage_change and close_checked.target_stage < stage_changes.stage_before
                then 'stage_backwards'
            when close_checked.is_stage_change and close_checked.target_stage = stage_changes.stage_before
                then 'stage_repeated'
            when concurrent_referrals.referral_number > 1 then 'duplicate_cafcass_referral'
        end as change_issue
    from close_checked
    left join stage_changes
        on close_checked.event_id = stage_changes.event_id
    left join concurrent_referrals
        on close_checked.event_id = concurrent_referrals.event_id

),

staged as (

    -- the stage the challenge is at once the event has happened
    select
        *,
        greatest(
            entry_stage,
            coalesce(
                max(
                    case
                        when is_stage_change and close_issue is null and change_issue is null
                            then target_stage
                    end
                ) over (
                    partition by challenge_id
                    order by event_sequence
                    rows between unbounded preceding and current row
                ),
                entry_stage
            )
        ) as stage_after
    from change_checked

),

final as (

    select
        first_checks.*,
        staged.event_sequence,
        staged.stage_before,
        staged.stage_after,
        coalesce(first_checks.first_issue, staged.close_issue, staged.change_issue) as path_issue_code,
        coalesce(
            first_checks.first_issue is null
            and staged.close_issue is null
            and staged.change_issue is null
            and first_checks.is_stage_change
            and first_checks.target_stage > staged.stage_before + 1,
            false
        ) as is_bypass
    from first_checks
    left join staged
        on first_checks.event_id = staged.event_id

)

select * from final
