-- Good practice from every source, up to the as-at date: the extract's optional good_practice file
-- (stg_good_practice) and the good practice IROs record in the app (int_app_events, action
-- 'good_practice', amendments applied; its challenge_id is the record's own id). Good practice is
-- never a challenge: nothing here reaches the escalation counts.

with

extract as (

    select * from {{ ref('stg_good_practice') }}

),

app_events as (

    select * from {{ ref('int_app_events') }}
    where action = 'good_practice'

),

unioned as (

    select
        good_practice_id,
        recorded_on,
        iro_worker_id,
        team_id,
        theme_codes,
        description,
        child_id,
        'case_system' as record_source,
        cast(null as varchar) as recorded_by
    from extract

    union all

    select
        challenge_id as good_practice_id,
        event_on as recorded_on,
        raised_by_worker_id as iro_worker_id,
        team_id,
        theme_codes,
        note as description,
        child_id,
        'app' as record_source,
        recorded_by
    from app_events

),

final as (

    select
        good_practice_id,
        recorded_on,
        iro_worker_id,
        team_id,
        coalesce(theme_codes, []) as theme_codes,
        description,
        child_id,
        record_source,
        recorded_by
    from unioned
    where recorded_on <= {{ as_at_date() }}

)

select * from final
