-- The worked examples of docs/working-days.md, computed by the working-day macros against the
-- real calendar. Returns every example whose result differs from the document. is_response: the
-- clock stopped at a response (example 10's stopped at the as-at date: no working days taken).

with

examples (
    example,
    started_on,
    working_days,
    expected_due_on,
    stopped_on,
    is_response,
    expected_taken,
    expected_is_overdue,
    expected_working_days_overdue
) as (

    values
        ('1 ordinary week', date '2017-03-01', 5, date '2017-03-08', date '2017-03-08', true, 5, false, 0),
        ('2 starts on a Saturday', date '2017-03-04', 5, date '2017-03-13', date '2017-03-06', true, 0, false, 0),
        ('3 response on a Saturday after the due Friday', date '2017-03-03', 5, date '2017-03-10', date '2017-03-11', true, 5, true, 0),
        ('4 over Easter 2017', date '2017-04-12', 5, date '2017-04-21', date '2017-04-24', true, 6, true, 1),
        ('5 Rotherham stage 1, one day, over a weekend', date '2017-07-28', 1, date '2017-07-31', date '2017-07-31', true, 1, false, 0),
        ('6 Christmas 2021 substitute days', date '2021-12-23', 5, date '2022-01-04', date '2022-01-05', true, 6, true, 1),
        ('7 starts on Christmas Day 2021', date '2021-12-25', 1, date '2021-12-30', date '2021-12-29', true, 0, false, 0),
        ('8 Platinum Jubilee 2022', date '2022-06-01', 5, date '2022-06-10', date '2022-06-13', true, 6, true, 1),
        ('9 state funeral 2022', date '2022-09-16', 1, date '2022-09-20', date '2022-09-19', true, 0, false, 0),
        ('10 coronation 2023, no response as at 17 May', date '2023-05-05', 5, date '2023-05-15', date '2023-05-17', false, null, true, 2),
        ('11 royal wedding 2011', date '2011-04-21', 5, date '2011-05-04', date '2011-05-04', true, 5, false, 0),
        ('12 the 20-working-day cap over Easter 2017', date '2017-03-20', 20, date '2017-04-19', date '2017-04-19', true, 20, false, 0)

),

computed as (

    select
        examples.*,
        {{ add_working_days('examples.started_on', 'examples.working_days') }} as due_on,
        -- rule 3: working days taken count to a response; without one there are none
        case
            when examples.is_response
                then {{ working_days_between('examples.started_on', 'examples.stopped_on') }}
        end as taken
    from examples

),

checked as (

    select
        computed.*,
        {{ is_overdue('computed.due_on', 'computed.stopped_on') }} as is_overdue,
        {{ working_days_overdue('computed.due_on', 'computed.stopped_on') }} as working_days_overdue
    from computed

),

final as (

    select *
    from checked
    where due_on is distinct from expected_due_on
        or taken is distinct from expected_taken
        or is_overdue is distinct from expected_is_overdue
        or working_days_overdue is distinct from expected_working_days_overdue

)

select * from final
