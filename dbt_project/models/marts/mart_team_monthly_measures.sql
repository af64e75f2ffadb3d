-- Monthly measures per team and legal status, on a full grid so months with nothing show 0.

with

challenges as (

    select * from {{ ref('fct_challenges') }}

),

episodes as (

    select * from {{ ref('fct_stage_episodes') }}

),

months as (

    {{ month_spine('select min(raised_month) from challenges') }}

),

team_statuses as (

    select distinct
        team_id,
        team_name,
        service_name,
        legal_status
    from challenges

),

raised as (

    select
        raised_month as month_start,
        team_id,
        legal_status,
        count(*) as challenges_raised,
        count(*) filter (where route = 'informal') as informal_raised
    from challenges
    group by all

),

formal_starts as (

    select
        cast(date_trunc('month', formal_started_on) as date) as month_start,
        team_id,
        legal_status,
        count(*) as formal_started,
        count(*) filter (where route = 'informal') as informal_escalated_to_formal
    from challenges
    where formal_started_on is not null
    group by all

),

responses_due as (

    -- a response fell due in the month (on or before the as-at date) and was still awaited then:
    -- a step escalated or closed before its due date without a response is not counted
    select
        cast(date_trunc('month', response_due_on) as date) as month_start,
        team_id,
        legal_status,
        count(*) as stage_responses_due,
        count(*) filter (where is_responded_in_time) as stage_responses_in_time
    from episodes
    where
        response_due_on is not null
        and response_due_on <= {{ as_at_date() }}
        and (responded_on is not null or ended_on is null or ended_on > response_due_on)
    group by all

),

resolutions as (

    select
        cast(date_trunc('month', closed_on) as date) as month_start,
        team_id,
        legal_status,
        count(*) as challenges_resolved,
        median(working_days_open) as median_working_days_to_resolution
    from challenges
    where status = 'resolved'
    group by all

),

final as (

    select
        months.month_start,
        team_statuses.team_id,
        team_statuses.team_name,
        team_statuses.service_name,
        team_statuses.legal_status,
        cast(coalesce(raised.challenges_raised, 0) as integer) as challenges_raised,
        cast(coalesce(raised.informal_raised, 0) as integer) as informal_raised,
        cast(coalesce(formal_starts.formal_started, 0) as integer) as formal_started,
        cast(coalesce(formal_starts.informal_escalated_to_formal, 0) as integer)
            as informal_escalated_to_formal,
        cast(coalesce(responses_due.stage_responses_due, 0) as integer) as stage_responses_due,
        cast(coalesce(responses_due.stage_responses_in_time, 0) as integer) as stage_responses_in_time,
        cast(
            responses_due.stage_responses_in_time / nullif(responses_due.stage_responses_due, 0)
            as double
        ) as share_responded_in_time,
        cast(coalesce(resolutions.challenges_resolved, 0) as integer) as challenges_resolved,
        cast(resolutions.median_working_days_to_resolution as double) as median_working_days_to_resolution
    from months
    cross join team_statuses
    left join raised
        on
            months.month_start = raised.month_start
            and team_statuses.team_id is not distinct from raised.team_id
            and team_statuses.legal_status = raised.legal_status
    left join formal_starts
        on
            months.month_start = formal_starts.month_start
            and team_statuses.team_id is not distinct from formal_starts.team_id
            and team_statuses.legal_status = formal_starts.legal_status
    left join responses_due
        on
            months.month_start = responses_due.month_start
            and team_statuses.team_id is not distinct from responses_due.team_id
            and team_statuses.legal_status = responses_due.legal_status
    left join resolutions
        on
            months.month_start = resolutions.month_start
            and team_statuses.team_id is not distinct from resolutions.team_id
            and team_statuses.legal_status = resolutions.legal_status

)

select * from final
