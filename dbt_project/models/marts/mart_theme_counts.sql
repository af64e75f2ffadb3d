-- Themes of the challenges entering each stage group, per month, fiscal quarter and fiscal year
-- (April-March): a challenge counts once per theme, period and stage group (however many stages
-- of the group it entered in the period). The year's rows are true yearly counts: a challenge
-- entering the group in two quarters counts once in the year, so never sum months or quarters
-- to get a year.

with

episodes as (

    select * from {{ ref('fct_stage_episodes') }}
    where theme_stage_group is not null

),

challenge_themes as (

    select * from {{ ref('int_challenge_themes') }}
    where is_known_theme

),

calendar as (

    select * from {{ ref('dim_calendar') }}

),

themed as (

    select
        episodes.challenge_id,
        episodes.theme_stage_group as stage_group,
        episodes.team_id,
        episodes.team_name,
        episodes.service_name,
        episodes.legal_status,
        challenge_themes.theme_code,
        challenge_themes.theme_label,
        challenge_themes.theme_group,
        calendar.month_start,
        calendar.month_label,
        calendar.fiscal_quarter_start,
        calendar.fiscal_quarter_label,
        make_date(calendar.fiscal_year_start_year, 4, 1) as fiscal_year_start,
        calendar.fiscal_year_label
    from episodes
    inner join challenge_themes
        on episodes.challenge_id = challenge_themes.challenge_id
    inner join calendar
        on episodes.entered_on = calendar.date_day

),

monthly as (

    select
        'month' as period_type,
        month_start as period_start,
        month_label as period_label,
        theme_code,
        theme_label,
        theme_group,
        stage_group,
        team_id,
        team_name,
        service_name,
        legal_status,
        count(distinct challenge_id) as challenges
    from themed
    group by all

),

quarterly as (

    select
        'quarter' as period_type,
        fiscal_quarter_start as period_start,
        fiscal_quarter_label as period_label,
        theme_code,
        theme_label,
        theme_group,
        stage_group,
        team_id,
        team_name,
        service_name,
        legal_status,
        count(distinct challenge_id) as challenges
    from themed
    group by all

),

yearly as (

    select
        'year' as period_type,
        fiscal_year_start as period_start,
        fiscal_year_label as period_label,
        theme_code,
        theme_label,
        theme_group,
        stage_group,
        team_id,
        team_name,
        service_name,
        legal_status,
        count(distinct challenge_id) as challenges
    from themed
    group by all

),

final as (

    select
        period_type,
        period_start,
        period_label,
        theme_code,
        theme_label,
        theme_group,
        stage_group,
        team_id,
        team_name,
        service_name,
        legal_status,
        cast(challenges as integer) as challenges
    from (
        select * from monthly
        union all
        select * from quarterly
        union all
        select * from yearly
    ) as periods

)

select * from final
