-- The impact of escalations: challenges closed in each quarter of the April-March year, by team,
-- route, how they closed and what changed for the child (outcome_code 'not_recorded' when the
-- closing event carries none, so the totals are true totals of challenges closed).

with

learning as (

    select * from {{ ref('fct_challenge_learning') }}
    where closed_quarter_start is not null

),

final as (

    select
        closed_quarter_start as period_start,
        closed_quarter_label as period_label,
        team_id,
        team_name,
        service_name,
        process_route,
        closed_as,
        coalesce(outcome_code, 'not_recorded') as outcome_code,
        coalesce(outcome_label, 'Not recorded') as outcome_label,
        coalesce(is_change_for_child, false) as is_change_for_child,
        cast(count(*) as integer) as challenges
    from learning
    group by all

)

select * from final
