-- Good practice by theme, team and period (month, and quarter of the April-March year): beside
-- mart_theme_counts (concerns) in theme analysis. A record counts once per theme of the
-- good-practice list it carries; codes not in the list are left out.

with

good_practice as (

    select * from {{ ref('fct_good_practice') }}
    where month_start is not null

),

themes as (

    select * from {{ ref('good_practice_themes') }}

),

exploded as (

    select distinct
        good_practice.good_practice_id,
        unnest(good_practice.theme_codes) as theme_code,
        good_practice.team_id,
        good_practice.team_name,
        good_practice.service_name,
        good_practice.month_start,
        good_practice.month_label,
        good_practice.fiscal_quarter_start,
        good_practice.fiscal_quarter_label
    from good_practice

),

themed as (

    select
        exploded.*,
        themes.theme_label,
        themes.theme_group
    from exploded
    inner join themes
        on exploded.theme_code = themes.theme_code

),

periods as (

    select
        'month' as period_type,
        month_start as period_start,
        month_label as period_label,
        good_practice_id,
        theme_code,
        theme_label,
        theme_group,
        team_id,
        team_name,
        service_name
    from themed

    union all

    select
        'quarter' as period_type,
        fiscal_quarter_start as period_start,
        fiscal_quarter_label as period_label,
        good_practice_id,
        theme_code,
        theme_label,
        theme_group,
        team_id,
        team_name,
        service_name
    from themed

),

final as (

    select
        period_type,
        period_start,
        period_label,
        theme_code,
        theme_label,
        theme_group,
        team_id,
        team_name,
        service_name,
        cast(count(distinct good_practice_id) as integer) as records
    from periods
    group by all

)

select * from final
