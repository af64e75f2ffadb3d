-- One row per valid challenge per step it reached: the entry step (informal tier or the formal
-- stage entered), each valid escalation, and under a concurrent-CAFCASS protocol the CAFCASS
-- referral; with the protocol stage (of the version the challenge follows, in force on the day
-- it was raised), the challenge's team, the first response for the stage and how the step
-- ended. The first of the steps of int_stage_episodes (no clock, no manager yet).

with

challenges as (

    select * from {{ ref('int_challenges') }}
    where is_valid

),

events as (

    select * from {{ ref('int_challenge_events') }}
    where is_valid

),

protocol_stages as (

    select * from {{ ref('int_protocol_stages') }}

),

entry_steps as (

    select
        challenge_id,
        0 as event_sequence,
        cast(null as varchar) as event_id,
        entry_stage as stage_number,
        raised_on as entered_on,
        raised_with_worker_id as assigned_worker_id,
        cast(null as integer) as stage_before,
        -- a formal entry above stage 1 bypasses the stages below it
        entry_stage > 1 as is_bypassed_into,
        cast(null as varchar) as bypass_reason
    from challenges

),

escalation_steps as (

    select
        challenge_id,
        event_sequence,
        event_id,
        target_stage as stage_number,
        event_on as entered_on,
        assigned_to_worker_id as assigned_worker_id,
        stage_before,
        is_bypass as is_bypassed_into,
        case when is_bypass then reason end as bypass_reason
    from events
    where is_stage_change

),

stage_steps as (

    select
        steps.*,
        protocol_stages.stage_key,
        lead(steps.entered_on) over (
            partition by steps.challenge_id
            order by steps.event_sequence
        ) as next_stage_entered_on
    from (
        select * from entry_steps
        union all
        select * from escalation_steps
    ) as steps
    inner join challenges as step_challenges
        on steps.challenge_id = step_challenges.challenge_id
    inner join protocol_stages
        on
            steps.stage_number = protocol_stages.stage_number
            and step_challenges.protocol_version_id = protocol_stages.protocol_version_id

),

concurrent_cafcass_steps as (

    select
        events.challenge_id,
        events.event_sequence,
        events.event_id,
        cast(null as integer) as stage_number,
        events.event_on as entered_on,
        events.assigned_to_worker_id as assigned_worker_id,
        events.stage_after as stage_before,
        false as is_bypassed_into,
        cast(null as varchar) as bypass_reason,
        'cafcass' as stage_key,
        cast(null as date) as next_stage_entered_on
    from events
    where
        events.event_type = 'cafcass_referral'
        and not events.is_stage_change

),

closes as (

    select
        challenge_id,
        event_on as closed_on,
        event_type as close_type
    from events
    where event_type in ('resolved', 'withdrawn')

),

first_responses as (

    select
        challenge_id,
        response_stage,
        event_on as responded_on,
        satisfied as is_response_satisfied,
        actor_worker_id as responded_by_worker_id
    from events
    where event_type = 'response'
    qualify row_number() over (
        partition by challenge_id, response_stage
        order by event_sequence
    ) = 1

),

steps as (

    select
        all_steps.*,
        protocol_stages.stage_name,
        protocol_stages.stage_label,
        protocol_stages.responder_role,
        protocol_stages.response_working_days,
        protocol_stages.is_formal,
        protocol_stages.is_cafcass,
        protocol_stages.theme_stage_group,
        challenges.team_id,
        challenges.service_name,
        challenges.division_name,
        closes.closed_on,
        closes.close_type,
        first_responses.responded_on,
        first_responses.is_response_satisfied,
        first_responses.responded_by_worker_id
    from (
        select * from stage_steps
        union all by name
        select * from concurrent_cafcass_steps
    ) as all_steps
    inner join challenges
        on all_steps.challenge_id = challenges.challenge_id
    inner join protocol_stages
        on
            all_steps.stage_key = protocol_stages.stage_key
            and challenges.protocol_version_id = protocol_stages.protocol_version_id
    left join closes
        on all_steps.challenge_id = closes.challenge_id
    left join first_responses
        on
            all_steps.challenge_id = first_responses.challenge_id
            and all_steps.stage_number = first_responses.response_stage

),

final as (

    select
        steps.challenge_id || ':' || steps.stage_key as episode_id,
        steps.*,
        coalesce(steps.next_stage_entered_on, steps.closed_on) as ended_on,
        case
            when steps.next_stage_entered_on is not null then 'escalated'
            when steps.close_type is not null then steps.close_type
            when steps.responded_on is not null then 'responded'
            else 'open'
        end as outcome,
        steps.stage_key <> 'cafcass' and steps.next_stage_entered_on is null as is_current_stage
    from steps

)

select * from final
