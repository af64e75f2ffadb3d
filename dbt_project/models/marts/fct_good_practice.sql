-- Good practice, one row per record, with its team's name and service and its month and quarter.

with

good_practice as (

    select * from {{ ref('int_good_practice') }}

),

teams as (

    select * from {{ ref('dim_teams') }}

),

calendar as (

    select * from {{ ref('dim_calendar') }}

),

themes as (

    select * from {{ ref('good_practice_themes') }}

),

themes_map as (

    select map(list(theme_code), list(theme_label)) as label_of
    from themes

),

labelled as (

    select
        good_practice.good_practice_id,
        list_aggregate(
            list_transform(good_practice.theme_codes, lambda x: coalesce(themes_map.label_of[x], x)),
            'string_agg',
            '; '
        ) as themes_label
    from good_practice
    cross join themes_map

),

final as (

    select
        good_practice.good_practice_id,
        good_practice.recorded_on,
        calendar.month_start,
        calendar.month_label,
        calendar.fiscal_quarter_start,
        calendar.fiscal_quarter_label,
        good_practice.iro_worker_id,
        good_practice.team_id,
        coalesce(teams.team_name, 'Team not recorded') as team_name,
        coalesce(teams.service_name, 'Service not recorded') as service_name,
        good_practice.theme_codes,
        coalesce(labelled.themes_label, '') as themes_label,
        good_practice.description,
        good_practice.child_id,
        good_practice.record_source,
        good_practice.recorded_by
    from good_practice
    left join teams
        on good_practice.team_id = teams.team_id
    left join labelled
        on good_practice.good_practice_id = labelled.good_practice_id
    left join calendar
        on good_practice.recorded_on = calendar.date_day

)

select * from final
