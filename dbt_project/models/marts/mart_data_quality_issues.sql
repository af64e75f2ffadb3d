-- Every record left out of the counts (is_excluded) or counted with a caveat, with the reason:
-- one row per record and issue. The rules are seeds/data_quality_rules.csv.

with

challenges as (

    select * from {{ ref('int_challenges') }}

),

challenge_themes as (

    select * from {{ ref('int_challenge_themes') }}

),

events as (

    select * from {{ ref('int_challenge_events') }}

),

episodes as (

    select * from {{ ref('int_stage_episodes') }}

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

protocol as (

    select * from {{ ref('int_protocol') }}

),

rules as (

    select * from {{ ref('data_quality_rules') }}

),

challenge_issues as (

    select
        challenges.source_table,
        challenges.source_record_id as record_id,
        challenges.challenge_id,
        challenges.issue_code,
        'route ' || coalesce(challenges.route, '?') || ', entry stage '
        || coalesce(cast(challenges.entry_stage as varchar), 'empty')
        || ', legal status ' || coalesce(challenges.legal_status, '?') as issue_detail,
        challenges.raised_on as record_date,
        challenges.load_id,
        challenges.source_file,
        challenges.source_row
    from challenges
    where challenges.issue_code is not null

),

team_issues as (

    select
        challenges.source_table,
        challenges.source_record_id as record_id,
        challenges.challenge_id,
        case
            when challenges.team_source = 'unresolved' then 'team_not_resolved'
            else 'unknown_team'
        end as issue_code,
        'team_id ' || coalesce(challenges.recorded_team_id, 'empty') || ', social worker '
        || coalesce(challenges.social_worker_id, 'empty') || ', raised '
        || cast(challenges.raised_on as varchar) as issue_detail,
        challenges.raised_on as record_date,
        challenges.load_id,
        challenges.source_file,
        challenges.source_row
    from challenges
    where
        challenges.is_valid
        and (
            challenges.team_source = 'unresolved'
            or (challenges.recorded_team_id is not null and challenges.team_source <> 'challenge')
        )

),

theme_issues as (

    select
        challenges.source_table,
        challenges.source_record_id as record_id,
        challenges.challenge_id,
        'unknown_theme' as issue_code,
        'theme code ''' || challenge_themes.theme_code || '''' as issue_detail,
        challenges.raised_on as record_date,
        challenges.load_id,
        challenges.source_file,
        challenges.source_row
    from challenge_themes
    inner join challenges
        on challenge_themes.challenge_id = challenges.challenge_id
    where not challenge_themes.is_known_theme

),

entry_bypass_issues as (

    select
        challenges.source_table,
        challenges.source_record_id as record_id,
        challenges.challenge_id,
        'bypass_not_allowed' as issue_code,
        'entered at stage ' || cast(challenges.entry_stage as varchar) as issue_detail,
        challenges.raised_on as record_date,
        challenges.load_id,
        challenges.source_file,
        challenges.source_row
    from challenges
    cross join protocol
    where
        challenges.is_valid
        and challenges.entry_stage > 1
        and not protocol.bypass_allowed

),

event_issues as (

    select
        'challenge_events' as source_table,
        events.event_id as record_id,
        events.challenge_id,
        events.issue_code,
        events.event_type || ' on ' || cast(events.event_on as varchar)
        || coalesce(', stage ' || cast(events.stage as varchar), '') as issue_detail,
        events.event_on as record_date,
        events.load_id,
        events.source_file,
        events.source_row
    from events
    where events.issue_code is not null

),

event_bypass_issues as (

    select
        'challenge_events' as source_table,
        events.event_id as record_id,
        events.challenge_id,
        'bypass_not_allowed' as issue_code,
        'escalated from stage ' || cast(events.stage_before as varchar) || ' to stage '
        || cast(events.target_stage as varchar) as issue_detail,
        events.event_on as record_date,
        events.load_id,
        events.source_file,
        events.source_row
    from events
    cross join protocol
    where
        events.is_bypass
        and not protocol.bypass_allowed

),

worker_issues as (

    select
        case when episodes.event_id is null then challenges.source_table else 'challenge_events' end
            as source_table,
        coalesce(episodes.event_id, challenges.source_record_id) as record_id,
        episodes.challenge_id,
        'unknown_assigned_worker' as issue_code,
        'worker ' || episodes.assigned_worker_id || ' at ' || episodes.stage_label as issue_detail,
        episodes.entered_on as record_date,
        coalesce(events.load_id, challenges.load_id) as load_id,
        coalesce(events.source_file, challenges.source_file) as source_file,
        coalesce(events.source_row, challenges.source_row) as source_row
    from episodes
    inner join challenges
        on episodes.challenge_id = challenges.challenge_id
    left join events
        on episodes.event_id = events.event_id
    where not episodes.is_assigned_worker_known

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
    select * from team_issues
    union all
    select * from theme_issues
    union all
    select * from entry_bypass_issues
    union all
    select * from event_issues
    union all
    select * from event_bypass_issues
    union all
    select * from worker_issues
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
        cast(issues.source_row as integer) as source_row
    from issues
    left join rules
        on issues.issue_code = rules.issue_code

)

select * from final
