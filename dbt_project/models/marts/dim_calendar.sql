with

bank_holidays as (

    select * from {{ ref('bank_holidays') }}

),

overrides as (

    select * from {{ ref('bank_holiday_overrides') }}

),

generated_kept as (

    -- generated holidays, less the days an override removes or replaces
    select
        bank_holidays.holiday_date,
        bank_holidays.holiday_name
    from bank_holidays
    where not exists (
        select 1
        from overrides
        where overrides.holiday_date = bank_holidays.holiday_date
    )

),

added as (

    select
        holiday_date,
        holiday_name
    from overrides
    where action = 'add'

),

holidays as (

    select
        holiday_date,
        string_agg(holiday_name, '; ' order by holiday_name) as holiday_name
    from (
        select * from generated_kept
        union all
        select * from added
    ) as all_holidays
    group by holiday_date

),

days as (

    select cast(day_series.series_day as date) as date_day
    from generate_series(
        date '{{ var("calendar_start") }}',
        date '{{ var("calendar_end") }}',
        interval 1 day
    ) as day_series (series_day)

),

flagged as (

    select
        days.date_day,
        isodow(days.date_day) in (6, 7) as is_weekend,
        holidays.holiday_date is not null as is_bank_holiday,
        holidays.holiday_name,
        isodow(days.date_day) not in (6, 7) and holidays.holiday_date is null as is_working_day
    from days
    left join holidays
        on days.date_day = holidays.holiday_date

),

numbered as (

    select
        *,
        cast(sum(case when is_working_day then 1 else 0 end) over (
            order by date_day
            rows between unbounded preceding and current row
        ) as integer) as working_day_number
    from flagged

),

fiscal as (

    select
        *,
        -- English local authorities report on an April to March year
        cast(
            case when month(date_day) >= 4 then year(date_day) else year(date_day) - 1 end
            as integer
        ) as fiscal_year_start_year,
        -- Q1 = April to June ... Q4 = January to March
        cast((month(date_day) + 8) % 12 // 3 + 1 as integer) as fiscal_quarter
    from numbered

),

final as (

    select
        date_day,
        dayname(date_day) as day_name,
        is_weekend,
        is_bank_holiday,
        holiday_name,
        is_working_day,
        working_day_number,
        -- day 0 of a step starting on this day: itself if a working day, else the next working day
        cast(working_day_number + case when is_working_day then 0 else 1 end as integer)
            as day_zero_working_day_number,
        cast(date_trunc('month', date_day) as date) as month_start,
        strftime(date_day, '%b %Y') as month_label,
        fiscal_year_start_year,
        cast(fiscal_year_start_year as varchar) || '-'
        || right(cast(fiscal_year_start_year + 1 as varchar), 2) as fiscal_year_label,
        fiscal_quarter,
        cast(fiscal_year_start_year as varchar) || '-'
        || right(cast(fiscal_year_start_year + 1 as varchar), 2)
        || ' Q' || cast(fiscal_quarter as varchar) as fiscal_quarter_label,
        -- fiscal quarters are calendar quarters, numbered from April
        cast(date_trunc('quarter', date_day) as date) as fiscal_quarter_start
    from fiscal

)

select * from final
