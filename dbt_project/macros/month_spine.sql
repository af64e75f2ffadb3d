{#
    The months of a monthly mart's full grid, written once for mart_monthly_stage_counts and
    mart_team_monthly_measures: one row per calendar month (month_start) from the month of
    `first_month` (a SQL expression such as a scalar subquery) up to the as-at month.
#}
{% macro month_spine(first_month) -%}
    select distinct calendar.month_start
    from {{ ref('dim_calendar') }} as calendar
    where
        calendar.month_start >= ({{ first_month }})
        and calendar.date_day <= {{ as_at_date() }}
{%- endmacro %}
