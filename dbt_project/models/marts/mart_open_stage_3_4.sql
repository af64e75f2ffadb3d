-- The monthly challenge meeting's list: challenges open as at the as-at date at a stage that goes
-- to the challenge meeting (protocol_stages.goes_to_challenge_meeting: stages 3 and 4, and
-- Rotherham's stage 5) under the version of the protocol the challenge follows, most urgent
-- first.

with

challenges as (

    select * from {{ ref('fct_challenges') }}
    where status = 'open'

),

current_episodes as (

    select * from {{ ref('fct_stage_episodes') }}
    where is_current_stage

),

protocol_stages as (

    select * from {{ ref('int_protocol_stages') }}
    where goes_to_challenge_meeting

),

listed as (

    select
        challenges.challenge_id,
        challenges.case_ref,
        challenges.child_id,
        challenges.legal_status,
        challenges.team_id,
        challenges.team_name,
        challenges.service_name,
        challenges.iro_name,
        challenges.current_stage,
        challenges.current_stage_name,
        current_episodes.entered_on as stage_entered_on,
        challenges.raised_on,
        cast({{ as_at_date() }} - challenges.raised_on as integer) as days_open,
        challenges.working_days_open,
        current_episodes.responsible_worker_id,
        current_episodes.responsible_name,
        current_episodes.responder_role,
        current_episodes.responsible_role,
        current_episodes.response_due_on,
        current_episodes.responded_on,
        current_episodes.is_awaiting_response_past_due,
        current_episodes.is_responded_late,
        current_episodes.is_overdue,
        current_episodes.working_days_overdue,
        challenges.cap_due_on,
        challenges.is_cap_breached,
        challenges.is_cafcass_referred,
        challenges.themes_label,
        challenges.protocol_version_id,
        challenges.protocol_name
    from challenges
    inner join current_episodes
        on challenges.challenge_id = current_episodes.challenge_id
    inner join protocol_stages
        on
            current_episodes.stage_key = protocol_stages.stage_key
            and challenges.protocol_version_id = protocol_stages.protocol_version_id

),

final as (

    select
        *,
        cast(row_number() over (
            order by
                is_awaiting_response_past_due desc,
                working_days_overdue desc,
                response_due_on asc nulls last,
                stage_entered_on asc,
                challenge_id asc
        ) as integer) as urgency_rank
    from listed

)

select * from final
