-- Every challenge from every source, in the case-system layout, before any validation or as-at
-- cut-off, ONE row per challenge. THE place to union another source of challenges.
--   case_system: the challenges extract
--   qa_grade:    an Inadequate QA checklist grade that counts as an escalation (int_qa_grades)
--   app:         a challenge logged in the app (an app event with action 'raised', amendments
--                applied: int_app_events); its challenge_id is a uuid4, so it never collides with a
--                case-system id. recorded_at / recorded_by say who logged it and when.
--
-- Reconciliation (docs/marts.md, rule 3): a challenge logged in the app is the SAME challenge as
-- one from the extract (case system, or a QA grade) when child_id, raised_on, raised_by_worker_id,
-- route and entry_stage are all equal. The pairing is one to one: within a key, the extract's
-- challenges in order (case system before QA grade, then challenge_id) pair with the app's in the
-- order they were first logged (first_recorded_at, then the raising event's id); an extra app
-- challenge stays a challenge of its own, and two extract challenges are never merged. A matched
-- pair is one row, the extract's (its id, its fields), with the app's challenge id in
-- app_challenge_id and its raising event in app_raised_event_id; int_challenge_events_unioned
-- re-keys the app's steps on app_challenge_id onto the extract's challenge_id.

{{ incremental_by_challenge() }}

with

challenges as (

    select * from {{ ref('stg_challenges') }}
    where {{ in_build_scope() }}

),

qa_grades as (

    select * from {{ ref('int_qa_grades') }}

),

app_events as (

    select * from {{ ref('int_app_events') }}
    where {{ in_build_scope() }}

),

from_case_system as (

    select
        challenges.challenge_id,
        challenges.child_id,
        challenges.raised_on,
        challenges.raised_by_worker_id,
        challenges.social_worker_id,
        challenges.team_id,
        challenges.legal_status,
        challenges.context,
        challenges.route,
        challenges.entry_stage,
        challenges.theme_codes,
        challenges.concern,
        challenges.raised_with_worker_id,
        -- recorded against an Inadequate QA grade that links it
        challenges.challenge_id in (
            select linked_challenge_id
            from qa_grades
            where is_trigger_grade and links_existing_challenge
        ) as is_qa_triggered,
        'case_system' as record_source,
        'challenges' as source_table,
        challenges.challenge_id as source_record_id,
        challenges.load_id,
        challenges.source_file,
        challenges.source_row
    from challenges

),

from_qa_grades as (

    select
        qa_grades.triggered_challenge_id as challenge_id,
        qa_grades.child_id,
        qa_grades.graded_on as raised_on,
        qa_grades.iro_worker_id as raised_by_worker_id,
        qa_grades.allocated_worker_id as social_worker_id,
        cast(null as varchar) as team_id,
        qa_grades.child_legal_status as legal_status,
        'qa_checklist' as context,
        'formal' as route,
        qa_grades.trigger_stage as entry_stage,
        cast([] as varchar[]) as theme_codes,
        'Graded Inadequate on the IRO Quality Assurance checklist' as concern,
        cast(null as varchar) as raised_with_worker_id,
        true as is_qa_triggered,
        'qa_grade' as record_source,
        'qa_grades' as source_table,
        qa_grades.grade_id as source_record_id,
        qa_grades.load_id,
        qa_grades.source_file,
        qa_grades.source_row
    from qa_grades
    where qa_grades.triggers_challenge and {{ in_build_scope('qa_grades.triggered_challenge_id') }}

),

from_app as (

    select
        challenge_id,
        child_id,
        raised_on,
        raised_by_worker_id,
        social_worker_id,
        team_id,
        legal_status,
        context,
        route,
        entry_stage,
        theme_codes,
        concern,
        raised_with_worker_id,
        false as is_qa_triggered,
        'app' as record_source,
        'app_events' as source_table,
        original_event_id as source_record_id,
        recorded_at,
        recorded_by,
        first_recorded_at
    from app_events
    where action = 'raised'

),

from_extract as (

    select * from from_case_system
    union all by name
    select * from from_qa_grades

),

extract_ranked as (

    select
        challenge_id,
        child_id,
        raised_on,
        raised_by_worker_id,
        route,
        entry_stage,
        row_number() over (
            partition by child_id, raised_on, raised_by_worker_id, route, entry_stage
            order by record_source = 'qa_grade', challenge_id
        ) as match_rank
    from from_extract

),

app_ranked as (

    select
        challenge_id,
        source_record_id,
        child_id,
        raised_on,
        raised_by_worker_id,
        route,
        entry_stage,
        row_number() over (
            partition by child_id, raised_on, raised_by_worker_id, route, entry_stage
            order by first_recorded_at, source_record_id
        ) as match_rank
    from from_app

),

matches as (

    -- one to one: the n-th app challenge with a key pairs with the n-th extract challenge with it
    -- (plain equality: a key with an empty part matches nothing)
    select
        extract_ranked.challenge_id,
        app_ranked.challenge_id as app_challenge_id,
        app_ranked.source_record_id as app_raised_event_id
    from extract_ranked
    inner join app_ranked
        on
            extract_ranked.child_id = app_ranked.child_id
            and extract_ranked.raised_on = app_ranked.raised_on
            and extract_ranked.raised_by_worker_id = app_ranked.raised_by_worker_id
            and extract_ranked.route = app_ranked.route
            and extract_ranked.entry_stage = app_ranked.entry_stage
            and extract_ranked.match_rank = app_ranked.match_rank

),

extract_reconciled as (

    select
        from_extract.*,
        matches.app_challenge_id,
        matches.app_raised_event_id
    from from_extract
    left join matches
        on from_extract.challenge_id = matches.challenge_id

),

app_unmatched as (

    select * exclude (first_recorded_at)
    from from_app
    where challenge_id not in (select app_challenge_id from matches)

),

final as (

    select * from extract_reconciled
    union all by name
    select * from app_unmatched

)

select * from final
