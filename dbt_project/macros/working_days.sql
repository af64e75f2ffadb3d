{#
    Working-day arithmetic, by joining dim_calendar (docs/working-days.md has the rule and
    worked examples):

    * day 0 of a step is the day it started, or the next working day if it started on a weekend
      or a bank holiday (dim_calendar.day_zero_working_day_number);
    * "respond within N working days" is due on the Nth working day after day 0;
    * working days taken = working days after day 0 up to and including the response date;
    * overdue when the clock stopped (response, else the end of the step, else the as-at date)
      after the due date; working days overdue = working days after the due date up to and
      including that date.

    Each macro expands to a scalar subquery (DuckDB turns it into a join); a date outside the
    calendar gives null.
#}

{# The date due N working days after day 0 of a step that started on start_date. #}
{% macro add_working_days(start_date, working_days) -%}
    (
        select due_day.date_day
        from {{ ref('dim_calendar') }} as start_day
        inner join {{ ref('dim_calendar') }} as due_day
            on due_day.working_day_number = start_day.day_zero_working_day_number + ({{ working_days }})
            and due_day.is_working_day
        where start_day.date_day = ({{ start_date }})
    )
{%- endmacro %}


{#
    Working days after day 0 of a step that started on start_date, up to and including end_date
    (never negative).
#}
{% macro working_days_between(start_date, end_date) -%}
    (
        select greatest(end_day.working_day_number - start_day.day_zero_working_day_number, 0)
        from {{ ref('dim_calendar') }} as start_day
        inner join {{ ref('dim_calendar') }} as end_day
            on end_day.date_day = ({{ end_date }})
        where start_day.date_day = ({{ start_date }})
    )
{%- endmacro %}


{# True when a step due on due_date whose clock stopped on stopped_on was late. #}
{% macro is_overdue(due_date, stopped_on) -%}
    coalesce(({{ stopped_on }}) > ({{ due_date }}), false)
{%- endmacro %}


{# Working days after the due date up to and including the date the clock stopped (0 if not late). #}
{% macro working_days_overdue(due_date, stopped_on) -%}
    case
        when {{ is_overdue(due_date, stopped_on) }}
            then {{ working_days_between(due_date, stopped_on) }}
        else 0
    end
{%- endmacro %}
