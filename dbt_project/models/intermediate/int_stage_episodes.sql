-- One row per valid challenge per step it reached: the entry step (informal tier or the formal
-- stage entered), each valid escalation, and under a concurrent-CAFCASS protocol the CAFCASS
-- referral. Each step's clock (docs/working-days.md): due date, first response, working days
-- taken, overdue as at the as-at date; and the manager responsible for it.

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

worker_spells as (

    select * from {{ ref('int_worker_spells') }}

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
    inner join protocol_stages
        on steps.stage_number = protocol_stages.stage_number

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
    inner join protocol_stages
        on all_steps.stage_key = protocol_stages.stage_key
    inner join challenges
        on all_steps.challenge_id = challenges.challenge_id
    left join closes
        on all_steps.challenge_id = closes.challenge_id
    left join first_responses
        on
            all_steps.challenge_id = first_responses.challenge_id
            and all_steps.stage_number = first_responses.response_stage

),

derived_responsible as (

    -- no named manager: the worker in the stage's responder role valid on the day the stage was
    -- entered, in the challenge's team (team manager, social worker), its service (service
    -- manager) or, nearest first, its service, division or anywhere (head of service, director)
    select
        steps.challenge_id,
        steps.stage_key,
        worker_spells.worker_id
    from steps
    inner join worker_spells
        on
            steps.responder_role = worker_spells.role
            and steps.entered_on between worker_spells.valid_from and worker_spells.valid_until
    where
        steps.assigned_worker_id is null
        and (
            case
                when worker_spells.team_id = steps.team_id then 1
                when worker_spells.service_name = steps.service_name then 2
                when worker_spells.division_name = steps.division_name then 3
                else 4
            end
        ) <= (
            case steps.responder_role
                when 'team_manager' then 1
                when 'social_worker' then 1
                when 'service_manager' then 2
                else 4
            end
        )
    qualify row_number() over (
        partition by steps.challenge_id, steps.stage_key
        order by
            case
                when worker_spells.team_id = steps.team_id then 1
                when worker_spells.service_name = steps.service_name then 2
                when worker_spells.division_name = steps.division_name then 3
                else 4
            end,
            worker_spells.valid_from desc,
            worker_spells.worker_id asc
    ) = 1

),

worker_names as (

    select
        worker_id,
        arg_max(worker_name, valid_from) as worker_name
    from worker_spells
    group by worker_id

),

ended as (

    select
        steps.*,
        coalesce(steps.next_stage_entered_on, steps.closed_on) as ended_on,
        case
            when steps.next_stage_entered_on is not null then 'escalated'
            when steps.close_type is not null then steps.close_type
            when steps.responded_on is not null then 'responded'
            else 'open'
        end as outcome,
        steps.stage_key <> 'cafcass' and steps.next_stage_entered_on is null as is_current_stage,
        coalesce(steps.assigned_worker_id, derived_responsible.worker_id) as responsible_worker_id,
        case
            when steps.assigned_worker_id is not null then 'named'
            when derived_responsible.worker_id is not null then 'derived'
        end as responsible_source,
        steps.assigned_worker_id is null
        or steps.assigned_worker_id in (select worker_id from worker_names) as is_assigned_worker_known
    from steps
    left join derived_responsible
        on
            steps.challenge_id = derived_responsible.challenge_id
            and steps.stage_key = derived_responsible.stage_key

),

clocked as (

    select
        ended.*,
        {{ add_working_days('ended.entered_on', 'ended.response_working_days') }} as response_due_on,
        -- the clock stops at the first response, else when the step ended, else as at
        coalesce(ended.responded_on, ended.ended_on, {{ as_at_date() }}) as clock_stopped_on
    from ended

),

responsible_roles as (

    -- the responsible worker's own role (not the stage's responder role): the spell covering the
    -- day the stage was entered, else the worker's latest spell starting by then, else any latest
    select
        clocked.challenge_id,
        clocked.stage_key,
        worker_spells.role
    from clocked
    inner join worker_spells
        on clocked.responsible_worker_id = worker_spells.worker_id
    qualify row_number() over (
        partition by clocked.challenge_id, clocked.stage_key
        order by
            clocked.entered_on between worker_spells.valid_from and worker_spells.valid_until desc,
            clocked.entered_on >= worker_spells.valid_from desc,
            worker_spells.valid_from desc,
            worker_spells.role asc
    ) = 1

),

final as (

    select
        clocked.challenge_id || ':' || clocked.stage_key as episode_id,
        clocked.challenge_id,
        clocked.stage_key,
        cast(clocked.stage_number as integer) as stage_number,
        clocked.stage_name,
        clocked.stage_label,
        clocked.responder_role,
        clocked.is_formal,
        clocked.is_cafcass,
        clocked.theme_stage_group,
        cast(clocked.event_sequence as integer) as event_sequence,
        clocked.event_id,
        cast(clocked.stage_before as integer) as stage_before,
        clocked.entered_on,
        cast(clocked.response_working_days as integer) as response_working_days,
        clocked.response_due_on,
        clocked.responded_on,
        clocked.is_response_satisfied,
        clocked.responded_by_worker_id,
        cast(
            case
                when clocked.responded_on is not null
                    then {{ working_days_between('clocked.entered_on', 'clocked.responded_on') }}
            end as integer
        ) as working_days_taken,
        clocked.is_bypassed_into,
        clocked.bypass_reason,
        clocked.ended_on,
        clocked.outcome,
        clocked.ended_on is null as is_open,
        clocked.is_current_stage,
        clocked.clock_stopped_on,
        clocked.response_due_on is not null
        and {{ is_overdue('clocked.response_due_on', 'clocked.clock_stopped_on') }} as is_overdue,
        cast(
            case
                when clocked.response_due_on is null then 0
                else {{ working_days_overdue('clocked.response_due_on', 'clocked.clock_stopped_on') }}
            end as integer
        ) as working_days_overdue,
        case
            when clocked.response_due_on is not null
                then coalesce(clocked.responded_on <= clocked.response_due_on, false)
        end as is_responded_in_time,
        -- the measures of docs/marts.md "Measures": one definition each, used by every page
        clocked.ended_on is null
        and clocked.responded_on is null
        and clocked.response_due_on is not null
        and clocked.response_due_on < {{ as_at_date() }} as is_awaiting_response_past_due,
        coalesce(clocked.responded_on > clocked.response_due_on, false) as is_responded_late,
        clocked.assigned_worker_id,
        clocked.is_assigned_worker_known,
        clocked.responsible_worker_id,
        worker_names.worker_name as responsible_name,
        responsible_roles.role as responsible_role,
        clocked.responsible_source
    from clocked
    left join worker_names
        on clocked.responsible_worker_id = worker_names.worker_id
    left join responsible_roles
        on
            clocked.challenge_id = responsible_roles.challenge_id
            and clocked.stage_key = responsible_roles.stage_key

)

select * from final
