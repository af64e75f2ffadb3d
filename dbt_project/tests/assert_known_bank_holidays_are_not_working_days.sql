-- The real calendar (seeds + overrides) knows the awkward days: substitute days, Easter, the
-- moved spring bank holiday and the one-off holidays. Returns every day that is wrong.

with

expected (date_day, is_working_day) as (

    values
        (date '2011-04-22', false),  -- Good Friday
        (date '2011-04-25', false),  -- Easter Monday
        (date '2011-04-29', false),  -- royal wedding
        (date '2011-05-02', false),  -- May Day
        (date '2011-04-28', true),
        (date '2012-06-04', false),  -- spring bank holiday, moved
        (date '2012-06-05', false),  -- Diamond Jubilee
        (date '2012-05-28', true),
        (date '2017-04-14', false),  -- Good Friday
        (date '2017-04-17', false),  -- Easter Monday
        (date '2017-07-31', true),
        (date '2020-05-08', false),  -- May Day moved to VE Day
        (date '2020-05-04', true),
        (date '2021-12-27', false),  -- Christmas Day (substitute)
        (date '2021-12-28', false),  -- Boxing Day (substitute)
        (date '2021-12-29', true),
        (date '2022-01-03', false),  -- New Year's Day (substitute)
        (date '2022-04-15', false),  -- Good Friday
        (date '2022-04-18', false),  -- Easter Monday
        (date '2022-05-30', true),   -- not a holiday in 2022: the spring bank holiday moved
        (date '2022-06-02', false),  -- spring bank holiday
        (date '2022-06-03', false),  -- Platinum Jubilee
        (date '2022-09-19', false),  -- state funeral of Queen Elizabeth II
        (date '2023-05-08', false),  -- coronation of King Charles III
        (date '2023-05-01', false),  -- May Day
        (date '2023-05-09', true)

),

calendar as (

    select * from {{ ref('dim_calendar') }}

),

final as (

    select
        expected.date_day,
        expected.is_working_day as expected_is_working_day,
        calendar.is_working_day as actual_is_working_day
    from expected
    left join calendar
        on expected.date_day = calendar.date_day
    where calendar.is_working_day is distinct from expected.is_working_day

)

select * from final
