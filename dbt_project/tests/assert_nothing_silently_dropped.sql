-- Nothing is silently dropped: every challenge raised and every event dated on or before the
-- as-at date, from every source (the extracts and the app), is counted or listed in
-- mart_data_quality_issues as excluded. A challenge logged in the app that is the same as an
-- extract challenge counts through it (fct_challenges.app_challenge_id); an app event counted as
-- a case-system event counts through it (reconciled_app_event_id). Returns each record that is
-- neither counted nor listed.

with

raw_challenges as (

    -- the sources themselves, before the reconciliation in int_challenges_unioned
    select
        challenge_id,
        raised_on
    from {{ ref('stg_challenges') }}

    union all

    select
        triggered_challenge_id as challenge_id,
        graded_on as raised_on
    from {{ ref('int_qa_grades') }}
    where triggers_challenge

    union all

    select
        challenge_id,
        raised_on
    from {{ ref('int_app_events') }}
    where action = 'raised'

),

raw_events as (

    select
        event_id,
        event_on
    from {{ ref('stg_challenge_events') }}

    union all

    -- the app's challenge events: not good practice or a quarter's learning, which are no
    -- challenge's events (int_challenge_events_unioned leaves them out the same way)
    select
        original_event_id as event_id,
        event_on
    from {{ ref('int_app_events') }}
    where action not in ('raised', 'good_practice', 'learning')

),

challenges as (

    select * from {{ ref('int_challenges') }}

),

events as (

    select * from {{ ref('int_challenge_events') }}

),

excluded as (

    select
        source_table,
        record_id,
        challenge_id
    from {{ ref('mart_data_quality_issues') }}
    where is_excluded

),

excluded_challenge_ids as (

    select challenge_id
    from excluded
    where challenge_id is not null

),

excluded_event_ids as (

    select record_id as event_id
    from excluded
    where source_table = 'challenge_events'

),

accounted_challenges as (

    -- counted (as itself, or as the extract challenge it matched), or excluded (likewise)
    select challenge_id from {{ ref('fct_challenges') }}
    union all
    select app_challenge_id as challenge_id from {{ ref('fct_challenges') }}
    union all
    select challenge_id from excluded_challenge_ids
    union all
    select app_challenge_id as challenge_id
    from challenges
    where challenge_id in (select challenge_id from excluded_challenge_ids)

),

accounted_events as (

    select event_id
    from events
    where is_valid
    union all
    select reconciled_app_event_id as event_id
    from events
    where is_valid
    union all
    select event_id from excluded_event_ids
    union all
    select reconciled_app_event_id as event_id
    from events
    where event_id in (select event_id from excluded_event_ids)

),

final as (

    select
        'challenge' as record_type,
        raw_challenges.challenge_id as record_id
    from raw_challenges
    where
        raw_challenges.raised_on <= {{ as_at_date() }}
        and raw_challenges.challenge_id not in (
            select challenge_id
            from accounted_challenges
            where challenge_id is not null
        )

    union all

    select
        'event' as record_type,
        raw_events.event_id as record_id
    from raw_events
    where
        raw_events.event_on <= {{ as_at_date() }}
        and raw_events.event_id not in (
            select event_id
            from accounted_events
            where event_id is not null
        )

)

select * from final
