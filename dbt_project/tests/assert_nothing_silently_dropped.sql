-- Nothing is silently dropped: every challenge raised and every event dated on or before the
-- as-at date is counted or listed in mart_data_quality_issues as excluded. Returns each record
-- that is neither.

with

raw_challenges as (

    select challenge_id
    from {{ ref('int_challenges_unioned') }}
    where raised_on <= {{ as_at_date() }}

),

raw_events as (

    select event_id
    from {{ ref('stg_challenge_events') }}
    where event_on <= {{ as_at_date() }}

),

counted_challenges as (

    select challenge_id from {{ ref('fct_challenges') }}

),

counted_events as (

    select event_id
    from {{ ref('int_challenge_events') }}
    where is_valid

),

excluded as (

    select
        source_table,
        record_id,
        challenge_id
    from {{ ref('mart_data_quality_issues') }}
    where is_excluded

),

final as (

    select
        'challenge' as record_type,
        raw_challenges.challenge_id as record_id
    from raw_challenges
    where raw_challenges.challenge_id not in (select challenge_id from counted_challenges)
        and raw_challenges.challenge_id not in (
            select challenge_id from excluded where challenge_id is not null
        )

    union all

    select
        'event' as record_type,
        raw_events.event_id as record_id
    from raw_events
    where raw_events.event_id not in (select event_id from counted_events)
        and raw_events.event_id not in (
            select record_id from excluded where source_table = 'challenge_events'
        )

)

select * from final
