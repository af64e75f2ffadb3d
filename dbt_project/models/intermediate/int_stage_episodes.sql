-- One row per valid challenge per step it reached (int_stage_steps: the entry step, each valid
-- escalation, a concurrent CAFCASS referral), with the manager responsible for it
-- (int_stage_responsible_managers) and its clock (docs/working-days.md): due date, first
-- response, working days taken, overdue as at the as-at date.

with

steps as (

    select * from {{ ref('int_stage_steps') }}

),

responsible_managers as (

    select * from {{ ref('int_stage_responsible_managers') }}

),

clocked as (

    select
        steps.*,
        responsible_managers.responsible_worker_id,
        responsible_managers.responsible_name,
        responsible_managers.responsible_role,
        responsible_managers.responsible_source,
        responsible_managers.is_assigned_worker_known,
        {{ add_working_days('steps.entered_on', 'steps.response_working_days') }} as response_due_on,
        -- the clock stops at the first response, else when the step ended, else as at
        coalesce(steps.responded_on, steps.ended_on, {{ as_at_date() }}) as clock_stopped_on
    from steps
    left join responsible_managers
        on
            steps.challenge_id = responsible_managers.challenge_id
            and steps.stage_key = responsible_managers.stage_key

),

final as (

    select
        clocked.episode_id,
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
        clocked.responsible_name,
        clocked.responsible_role,
        clocked.responsible_source
    from clocked

)

select * from final
