-- What happened around each valid challenge beyond its stages (issue 13): what changed for the
-- child when it closed (the "impact of escalations"), the pre-CAFCASS meeting that must precede a
-- CAFCASS referral (and whether a referral had none), discussion in supervision, and the route
-- (an IRO's looked-after review or a Conference Chair's child protection conference).

{{ incremental_by_challenge() }}

with

challenges as (

    select * from {{ ref('fct_challenges') }}
    where {{ in_build_scope() }}

),

events as (

    select * from {{ ref('fct_challenge_events') }}
    where is_valid and {{ in_build_scope() }}

),

outcomes as (

    select * from {{ ref('child_outcomes') }}

),

calendar as (

    select * from {{ ref('dim_calendar') }}

),

closing as (

    -- the event that closed the challenge (the first close; a later one is invalid)
    select
        challenge_id,
        event_type as closed_as,
        lower(outcome_code) as outcome_code,
        outcome_note
    from events
    where event_type in ('resolved', 'withdrawn')
    qualify row_number() over (partition by challenge_id order by timeline_order) = 1

),

meetings as (

    select
        challenge_id,
        min(event_on) as pre_cafcass_meeting_on,
        cast(count(*) as integer) as pre_cafcass_meetings,
        any_value(attendees order by event_on) as pre_cafcass_attendees,
        any_value(note order by event_on) as pre_cafcass_outcome
    from events
    where event_type = 'pre_cafcass_meeting'
    group by challenge_id

),

supervision as (

    select
        challenge_id,
        cast(count(*) as integer) as supervision_discussions,
        min(event_on) as first_supervision_on
    from events
    where event_type = 'supervision'
    group by challenge_id

),

final as (

    select
        challenges.challenge_id,
        challenges.case_ref,
        challenges.legal_status,
        challenges.context,
        case
            when challenges.context = 'lac_review' then 'iro_lac_review'
            when challenges.context = 'cp_conference' then 'chair_cp_conference'
            when challenges.legal_status = 'cp' then 'chair_cp_conference'
            else 'iro_lac_review'
        end as process_route,
        challenges.team_id,
        challenges.team_name,
        challenges.service_name,
        challenges.iro_worker_id,
        challenges.route,
        challenges.status,
        challenges.raised_on,
        challenges.closed_on,
        calendar.month_start as closed_month,
        calendar.fiscal_quarter_start as closed_quarter_start,
        calendar.fiscal_quarter_label as closed_quarter_label,
        closing.closed_as,
        closing.outcome_code,
        outcomes.outcome_label,
        outcomes.is_change as is_change_for_child,
        closing.outcome_note,
        challenges.is_cafcass_referred,
        challenges.cafcass_referred_on,
        meetings.pre_cafcass_meeting_on,
        coalesce(meetings.pre_cafcass_meetings, 0) as pre_cafcass_meetings,
        meetings.pre_cafcass_attendees,
        meetings.pre_cafcass_outcome,
        coalesce(
            challenges.is_cafcass_referred
            and (
                meetings.pre_cafcass_meeting_on is null
                or meetings.pre_cafcass_meeting_on > challenges.cafcass_referred_on
            ),
            false
        ) as is_cafcass_without_meeting,
        coalesce(supervision.supervision_discussions, 0) as supervision_discussions,
        supervision.first_supervision_on
    from challenges
    left join closing
        on challenges.challenge_id = closing.challenge_id
    left join outcomes
        on closing.outcome_code = outcomes.outcome_code
    left join meetings
        on challenges.challenge_id = meetings.challenge_id
    left join supervision
        on challenges.challenge_id = supervision.challenge_id
    left join calendar
        on challenges.closed_on = calendar.date_day

)

select * from final
