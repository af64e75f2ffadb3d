-- IRO QA checklist grades, one row per checklist up to the as-at date, with the month and quarter,
-- the IRO, the team of the child's allocated social worker on the day (else 'Team not recorded'),
-- and, under a protocol where an Inadequate grade is a stage 1 escalation (Rotherham), the
-- escalation that grade is: the challenge it links, or the one it triggered.

with

grades as (

    select * from {{ ref('int_qa_grades') }}
    where graded_on <= {{ as_at_date() }}

),

spells as (

    select * from {{ ref('int_worker_spells') }}

),

teams as (

    select * from {{ ref('dim_teams') }}

),

calendar as (

    select * from {{ ref('dim_calendar') }}

),

challenges as (

    select challenge_id from {{ ref('fct_challenges') }}

),

iro_names as (

    select
        worker_id,
        any_value(worker_name order by valid_from desc) as worker_name
    from spells
    group by worker_id

),

team_on_the_day as (

    select
        grades.grade_id,
        any_value(spells.team_id order by spells.valid_from desc) as team_id
    from grades
    inner join spells
        on
            grades.allocated_worker_id = spells.worker_id
            and grades.graded_on >= spells.valid_from
            and grades.graded_on <= spells.valid_until
    group by grades.grade_id

),

escalations as (

    select
        grade_id,
        case
            when is_trigger_grade and links_existing_challenge then linked_challenge_id
            when triggers_challenge then triggered_challenge_id
        end as escalation_challenge_id
    from grades

),

final as (

    select
        grades.grade_id,
        grades.graded_on,
        calendar.month_start,
        calendar.month_label,
        calendar.fiscal_quarter_start,
        calendar.fiscal_quarter_label,
        grades.iro_worker_id,
        coalesce(iro_names.worker_name, grades.iro_worker_id) as iro_name,
        team_on_the_day.team_id,
        coalesce(teams.team_name, 'Team not recorded') as team_name,
        coalesce(teams.service_name, 'Service not recorded') as service_name,
        grades.grade,
        grades.grade = 'inadequate' as is_inadequate,
        grades.is_trigger_grade,
        grades.trigger_stage,
        challenges.challenge_id as escalation_challenge_id
    from grades
    left join team_on_the_day
        on grades.grade_id = team_on_the_day.grade_id
    left join teams
        on team_on_the_day.team_id = teams.team_id
    left join iro_names
        on grades.iro_worker_id = iro_names.worker_id
    left join calendar
        on grades.graded_on = calendar.date_day
    left join escalations
        on grades.grade_id = escalations.grade_id
    left join challenges
        on escalations.escalation_challenge_id = challenges.challenge_id

)

select * from final
