-- QA checklist grades counted per period (month, and quarter of the April-March year), team and
-- IRO: one row per grade with its count, and the escalations Inadequate grades are under the
-- protocol in force (Rotherham: stage 1).

with

grades as (

    select * from {{ ref('fct_qa_grades') }}
    where month_start is not null

),

periods as (

    select
        'month' as period_type,
        month_start as period_start,
        month_label as period_label,
        *
    from grades

    union all

    select
        'quarter' as period_type,
        fiscal_quarter_start as period_start,
        fiscal_quarter_label as period_label,
        *
    from grades

),

final as (

    select
        period_type,
        period_start,
        period_label,
        team_id,
        team_name,
        service_name,
        iro_worker_id,
        iro_name,
        grade,
        cast(count(*) as integer) as grades,
        cast(count(escalation_challenge_id) as integer) as escalations
    from periods
    group by all

)

select * from final
