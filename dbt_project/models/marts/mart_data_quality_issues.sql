-- Every record left out of the counts (is_excluded) or counted with a caveat, with the reason:
-- one row per record and issue. The rules are seeds/data_quality_rules.csv.

with

challenge_issues as (

    select * from {{ ref('int_challenge_issues') }}

),

event_issues as (

    select * from {{ ref('int_challenge_event_issues') }}

),

qa_grades as (

    select * from {{ ref('int_qa_grades') }}

),

raw_challenges as (

    select * from {{ ref('stg_challenges') }}

),

raw_events as (

    select * from {{ ref('stg_challenge_events') }}

),

raw_qa_grades as (

    select * from {{ ref('stg_qa_grades') }}

),

challenges as (

    select * from {{ ref('int_challenges') }}

),

worker_spells as (

    select * from {{ ref('int_worker_spells') }}

),

raising_teams as (

    -- the team of the IRO who raised each challenge, on the day raised (their spell covering it,
    -- the latest-starting if several): who should see a challenge no social work team can
    select
        challenges.challenge_id,
        worker_spells.team_id as raised_by_team_id
    from challenges
    inner join worker_spells
        on
            challenges.raised_by_worker_id = worker_spells.worker_id
            and challenges.raised_on between worker_spells.valid_from and worker_spells.valid_until
    qualify row_number() over (
        partition by challenges.challenge_id
        order by worker_spells.valid_from desc, worker_spells.team_id asc
    ) = 1

),

rules as (

    select * from {{ ref('data_quality_rules') }}

),

qa_grade_issues as (

    select
        'qa_grades' as source_table,
        qa_grades.grade_id as record_id,
        qa_grades.linked_challenge_id as challenge_id,
        qa_grades.issue_code,
        'grade ' || qa_grades.grade || ' on ' || cast(qa_grades.graded_on as varchar)
        || ', child ' || coalesce(qa_grades.child_id, 'empty')
        || coalesce(', links ' || qa_grades.linked_challenge_id, '') as issue_detail,
        qa_grades.graded_on as record_date,
        qa_grades.load_id,
        qa_grades.source_file,
        qa_grades.source_row
    from qa_grades
    where
        qa_grades.issue_code is not null
        and qa_grades.graded_on <= {{ as_at_date() }}

),

future_dated as (

    select
        'challenges' as source_table,
        challenge_id as record_id,
        challenge_id,
        'future_dated' as issue_code,
        'raised ' || cast(raised_on as varchar) as issue_detail,
        raised_on as record_date,
        load_id,
        source_file,
        source_row
    from raw_challenges
    where raised_on > {{ build_date() }}

    union all

    select
        'challenge_events' as source_table,
        event_id as record_id,
        challenge_id,
        'future_dated' as issue_code,
        event_type || ' on ' || cast(event_on as varchar) as issue_detail,
        event_on as record_date,
        load_id,
        source_file,
        source_row
    from raw_events
    where event_on > {{ build_date() }}

    union all

    select
        'qa_grades' as source_table,
        grade_id as record_id,
        challenge_id,
        'future_dated' as issue_code,
        'graded ' || cast(graded_on as varchar) as issue_detail,
        graded_on as record_date,
        load_id,
        source_file,
        source_row
    from raw_qa_grades
    where graded_on > {{ build_date() }}

),

issues as (

    select * from challenge_issues
    union all
    select * from event_issues
    union all
    select * from qa_grade_issues
    union all
    select * from future_dated

),

final as (

    select
        issues.source_table,
        issues.record_id,
        issues.challenge_id,
        issues.issue_code,
        rules.description || coalesce(' [' || issues.issue_detail || ']', '') as issue_message,
        coalesce(rules.is_excluded, true) as is_excluded,
        issues.record_date,
        issues.load_id,
        issues.source_file,
        cast(issues.source_row as integer) as source_row,
        raising_teams.raised_by_team_id
    from issues
    left join rules
        on issues.issue_code = rules.issue_code
    left join raising_teams
        on issues.challenge_id = raising_teams.challenge_id

)

select * from final
