-- What notifications are about (docs/notifications.md): the valid challenge events (extract and
-- app alike, named by event kind: a bypass, an escalation...) and, as at the as-at date, the
-- reminders (one working day before a response is due), the first overdue day and the approach
-- of the formal cap. One row per event, with its stage. Who is told: int_notification_recipients.

with

fct_challenges as (

    select * from {{ ref('fct_challenges') }}

),

episodes as (

    select * from {{ ref('fct_stage_episodes') }}

),

event_steps as (

    select * from {{ ref('int_challenge_events') }}
    where is_valid

),

app_events as (

    select
        event_id,
        challenge_id,
        event_type,
        event_on,
        stage,
        recorded_at,
        source
    from {{ ref('fct_challenge_events') }}
    where is_valid and event_type <> 'note'

),

events as (

    select
        app_events.event_id,
        app_events.challenge_id,
        case
            when app_events.event_type = 'raised' and app_events.stage > 1 then 'bypass'
            when app_events.event_type = 'escalated' and event_steps.is_bypass then 'bypass'
            when app_events.event_type = 'cafcass_referral' and event_steps.is_stage_change then 'escalated'
            else app_events.event_type
        end as event_kind,
        cast(case
            when app_events.event_type in ('raised', 'escalated', 'response') then app_events.stage
            else event_steps.stage_after
        end as integer) as stage_number,
        app_events.event_on,
        app_events.recorded_at as event_recorded_at,
        app_events.source as event_source
    from app_events
    left join event_steps
        on app_events.event_id = event_steps.event_id

),

as_at_day as (

    select is_working_day
    from {{ ref('dim_calendar') }}
    where date_day = {{ as_at_date() }}

),

open_steps as (

    select episodes.*
    from episodes
    cross join as_at_day
    where
        as_at_day.is_working_day
        and episodes.is_open
        and episodes.is_current_stage
        and episodes.responded_on is null
        and episodes.response_due_on is not null

),

reminders as (

    select
        episode_id || ':reminder:' || cast(response_due_on as varchar) as event_id,
        challenge_id,
        'reminder' as event_kind,
        stage_number,
        {{ as_at_date() }} as event_on,
        cast(null as timestamp) as event_recorded_at,
        'reminder' as event_source
    from open_steps
    where {{ add_working_days(as_at_date(), 1) }} = response_due_on
    union all
    select
        episode_id || ':overdue:' || cast(response_due_on as varchar) as event_id,
        challenge_id,
        'overdue' as event_kind,
        stage_number,
        {{ as_at_date() }} as event_on,
        cast(null as timestamp) as event_recorded_at,
        'reminder' as event_source
    from open_steps
    where
        {{ as_at_date() }} > response_due_on
        and {{ working_days_between('response_due_on', as_at_date()) }} = 1

),

cap_warnings as (

    select
        fct_challenges.challenge_id || ':cap_approaching:' || cast(fct_challenges.cap_due_on as varchar) as event_id,
        fct_challenges.challenge_id,
        'cap_approaching' as event_kind,
        fct_challenges.current_stage as stage_number,
        {{ as_at_date() }} as event_on,
        cast(null as timestamp) as event_recorded_at,
        'reminder' as event_source
    from fct_challenges
    cross join as_at_day
    where
        as_at_day.is_working_day
        and fct_challenges.status = 'open'
        and fct_challenges.cap_due_on is not null
        and {{ add_working_days(as_at_date(), var('notify_cap_warning_working_days')) }} = fct_challenges.cap_due_on

),

final as (

    select * from events
    union all
    select * from reminders
    union all
    select * from cap_warnings

)

select * from final
