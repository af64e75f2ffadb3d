-- The rest of the process, counted per quarter of the April-March year (the quarter each step
-- happened in), team and route: challenges raised, discussions in supervision, pre-CAFCASS
-- meetings, CAFCASS referrals, and CAFCASS referrals with no pre-CAFCASS meeting before them.

with

learning as (

    select * from {{ ref('fct_challenge_learning') }}

),

calendar as (

    select * from {{ ref('dim_calendar') }}

),

events as (

    select * from {{ ref('fct_challenge_events') }}
    where is_valid and event_type in ('supervision', 'pre_cafcass_meeting')

),

steps as (

    select
        challenge_id,
        raised_on as step_on,
        'raised' as step
    from learning

    union all

    select
        challenge_id,
        event_on as step_on,
        event_type as step
    from events

    union all

    select
        challenge_id,
        cafcass_referred_on as step_on,
        'cafcass_referral' as step
    from learning
    where is_cafcass_referred and cafcass_referred_on is not null

    union all

    select
        challenge_id,
        cafcass_referred_on as step_on,
        'cafcass_referral_without_meeting' as step
    from learning
    where is_cafcass_without_meeting and cafcass_referred_on is not null

),

final as (

    select
        calendar.fiscal_quarter_start as period_start,
        calendar.fiscal_quarter_label as period_label,
        learning.team_id,
        learning.team_name,
        learning.service_name,
        learning.process_route,
        steps.step,
        cast(count(*) as integer) as steps,
        cast(count(distinct steps.challenge_id) as integer) as challenges
    from steps
    inner join learning
        on steps.challenge_id = learning.challenge_id
    inner join calendar
        on steps.step_on = calendar.date_day
    group by all

)

select * from final
