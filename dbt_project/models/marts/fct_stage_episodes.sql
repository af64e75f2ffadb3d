with

episodes as (

    select * from {{ ref('int_stage_episodes') }}

),

challenges as (

    select * from {{ ref('int_challenges') }}

),

protocol as (

    select * from {{ ref('int_protocol') }}

),

final as (

    select
        episodes.episode_id,
        episodes.challenge_id,
        challenges.case_ref,
        episodes.stage_key,
        episodes.stage_number,
        episodes.stage_name,
        episodes.stage_label,
        episodes.responder_role,
        episodes.is_formal,
        episodes.is_cafcass,
        episodes.theme_stage_group,
        episodes.entered_on,
        cast(date_trunc('month', episodes.entered_on) as date) as entered_month,
        episodes.response_working_days,
        episodes.response_due_on,
        episodes.responded_on,
        episodes.is_response_satisfied,
        episodes.working_days_taken,
        episodes.is_bypassed_into,
        episodes.bypass_reason,
        episodes.ended_on,
        episodes.outcome,
        episodes.is_open,
        episodes.is_current_stage,
        episodes.is_overdue,
        episodes.working_days_overdue,
        episodes.is_responded_in_time,
        episodes.is_awaiting_response_past_due,
        episodes.is_responded_late,
        episodes.responsible_worker_id,
        episodes.responsible_name,
        episodes.responsible_role,
        challenges.team_id,
        coalesce(challenges.team_name, 'Team not recorded') as team_name,
        coalesce(challenges.service_name, 'Service not recorded') as service_name,
        challenges.legal_status,
        protocol.protocol_code,
        protocol.protocol_version_id,
        protocol.protocol_name
    from episodes
    inner join challenges
        on episodes.challenge_id = challenges.challenge_id
    -- the version of the protocol the challenge follows (in force on the day it was raised)
    inner join protocol
        on challenges.protocol_version_id = protocol.protocol_version_id

)

select * from final
