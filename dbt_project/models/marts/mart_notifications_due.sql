-- Notifications due: one row per event x recipient x kind (docs/notifications.md). Events are the
-- valid challenge events (extract and app alike) and, as at the as-at date, the reminders (one
-- working day before a response is due), the first overdue day and the approach of the formal
-- cap. Who is told is configuration: seeds/notification_rules.csv for the protocol in force.
-- Recipients are resolved like the responsible manager (fct_stage_episodes): the worker in the
-- role valid on the day, in the child's team (team manager, social worker), its service (service
-- manager) or nearest (head of service, director); the IRO's assistant service manager and the
-- service manager of the IRO's service from the IRO's own team; 'responder' (and the stage's
-- responder role) is the stage's responsible manager, named or derived. The outbox (notify/)
-- decides which of these are sent: only events from the moment notifications were switched on.

with

rules as (

    select
        event_kind,
        stage_number,
        recipient_role
    from {{ ref('notification_rules') }}
    where protocol_code = {{ protocol_code() }}

),

challenges as (

    select * from {{ ref('int_challenges') }}
    where is_valid

),

fct_challenges as (

    select * from {{ ref('fct_challenges') }}

),

episodes as (

    select * from {{ ref('fct_stage_episodes') }}

),

stages as (

    select * from {{ ref('int_protocol_stages') }}

),

worker_spells as (

    select * from {{ ref('int_worker_spells') }}

),

worker_emails as (

    select
        worker_id,
        arg_max(worker_name, valid_from) as worker_name,
        arg_max(nullif(trim(email), ''), valid_from) filter (where nullif(trim(email), '') is not null) as email
    from {{ ref('stg_workers') }}
    group by worker_id

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

all_events as (

    select * from events
    union all
    select * from reminders
    union all
    select * from cap_warnings

),

event_context as (

    -- the stage in force at the event, the child's team, the IRO and the IRO's team on the day
    select
        all_events.*,
        challenges.case_ref,
        challenges.team_id,
        challenges.service_name,
        challenges.division_name,
        challenges.social_worker_id,
        challenges.raised_by_worker_id as iro_worker_id,
        iro_spell.team_id as iro_team_id,
        iro_spell.service_name as iro_service_name,
        iro_spell.division_name as iro_division_name,
        stages.stage_label,
        stages.stage_name,
        stages.responder_role,
        episodes.responsible_worker_id as responder_worker_id,
        episodes.responsible_name as responder_name,
        episodes.response_due_on
    from all_events
    inner join challenges
        on all_events.challenge_id = challenges.challenge_id
    left join stages
        on all_events.stage_number = stages.stage_number
    left join episodes
        on
            all_events.challenge_id = episodes.challenge_id
            and all_events.stage_number = episodes.stage_number
    left join worker_spells as iro_spell
        on
            challenges.raised_by_worker_id = iro_spell.worker_id
            and all_events.event_on between iro_spell.valid_from and iro_spell.valid_until
    qualify row_number() over (
        partition by all_events.event_id
        order by iro_spell.valid_from desc nulls last, iro_spell.team_id asc
    ) = 1

),

wanted as (

    select
        event_context.*,
        rules.recipient_role
    from event_context
    inner join rules
        on
            event_context.event_kind = rules.event_kind
            and (rules.stage_number is null or event_context.stage_number = rules.stage_number)

),

direct as (

    -- recipients known without a search: the responder, the social worker named on the
    -- challenge, the IRO
    select
        wanted.*,
        case
            when
                wanted.recipient_role = 'responder'
                or wanted.recipient_role = wanted.responder_role
                then wanted.responder_worker_id
            when wanted.recipient_role = 'social_worker' then wanted.social_worker_id
            when wanted.recipient_role = 'iro' then wanted.iro_worker_id
        end as direct_worker_id,
        -- where to look: the IRO's own team for the IRO service's managers, else the child's
        case wanted.recipient_role
            when 'iro_asm' then 'assistant_service_manager'
            when 'safeguarding_service_manager' then 'service_manager'
            else wanted.recipient_role
        end as spell_role,
        case
            when wanted.recipient_role in ('iro_asm', 'safeguarding_service_manager')
                then wanted.iro_team_id
            else wanted.team_id
        end as anchor_team_id,
        case
            when wanted.recipient_role in ('iro_asm', 'safeguarding_service_manager')
                then wanted.iro_service_name
            else wanted.service_name
        end as anchor_service_name,
        case
            when wanted.recipient_role in ('iro_asm', 'safeguarding_service_manager')
                then wanted.iro_division_name
            else wanted.division_name
        end as anchor_division_name,
        -- how far to look: the team (team manager, social worker), the service (service managers,
        -- the IRO's assistant service manager), or anywhere, nearest first
        case wanted.recipient_role
            when 'team_manager' then 1
            when 'social_worker' then 1
            when 'iro_asm' then 2
            when 'service_manager' then 2
            when 'safeguarding_service_manager' then 2
            else 4
        end as max_level
    from wanted

),

searched as (

    -- everyone else: the worker in the role valid on the day, nearest the anchor team first
    select
        direct.event_id,
        direct.recipient_role,
        worker_spells.worker_id,
        worker_spells.valid_from,
        direct.max_level,
        case
            when worker_spells.team_id = direct.anchor_team_id then 1
            when worker_spells.service_name = direct.anchor_service_name then 2
            when worker_spells.division_name = direct.anchor_division_name then 3
            else 4
        end as search_level
    from direct
    inner join worker_spells
        on
            direct.spell_role = worker_spells.role
            and direct.event_on between worker_spells.valid_from and worker_spells.valid_until
    where
        direct.direct_worker_id is null
        and direct.recipient_role not in ('responder', 'iro')

),

nearest as (

    select
        event_id,
        recipient_role,
        worker_id
    from searched
    where search_level <= max_level
    qualify row_number() over (
        partition by event_id, recipient_role
        order by search_level asc, valid_from desc, worker_id asc
    ) = 1

),

resolved as (

    select
        direct.*,
        coalesce(direct.direct_worker_id, nearest.worker_id) as recipient_worker_id
    from direct
    left join nearest
        on
            direct.event_id = nearest.event_id
            and direct.recipient_role = nearest.recipient_role

),

final as (

    select
        md5(resolved.event_id || '|' || resolved.recipient_worker_id || '|' || resolved.event_kind) as notification_id,
        resolved.event_id,
        resolved.event_kind,
        resolved.challenge_id,
        resolved.case_ref,
        cast(resolved.stage_number as integer) as stage_number,
        any_value(resolved.stage_label) as stage_label,
        any_value(resolved.stage_name) as stage_name,
        any_value(resolved.event_on) as event_on,
        any_value(resolved.event_recorded_at) as event_recorded_at,
        any_value(resolved.event_source) as event_source,
        resolved.recipient_worker_id,
        any_value(worker_emails.worker_name) as recipient_name,
        any_value(worker_emails.email) as recipient_email,
        string_agg(distinct resolved.recipient_role, ';' order by resolved.recipient_role) as recipient_roles,
        bool_or(resolved.recipient_worker_id = resolved.responder_worker_id) as is_responder,
        any_value(resolved.responder_worker_id) as responder_worker_id,
        any_value(resolved.responder_name) as responder_name,
        any_value(resolved.response_due_on) as response_due_on,
        any_value(resolved.iro_worker_id) as iro_worker_id,
        any_value(resolved.team_id) as team_id,
        {{ protocol_code() }} as protocol_code
    from resolved
    left join worker_emails
        on resolved.recipient_worker_id = worker_emails.worker_id
    where resolved.recipient_worker_id is not null
    group by
        resolved.event_id,
        resolved.event_kind,
        resolved.challenge_id,
        resolved.case_ref,
        resolved.stage_number,
        resolved.recipient_worker_id

)

select * from final
