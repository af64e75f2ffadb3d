with

challenges as (

    select * from {{ ref('int_challenges') }}
    where is_valid

),

episodes as (

    select * from {{ ref('int_stage_episodes') }}

),

events as (

    select * from {{ ref('int_challenge_events') }}
    where is_valid

),

challenge_themes as (

    select * from {{ ref('int_challenge_themes') }}
    where is_known_theme

),

worker_spells as (

    select * from {{ ref('int_worker_spells') }}

),

protocol as (

    select * from {{ ref('int_protocol') }}

),

current_episodes as (

    select *
    from episodes
    where is_current_stage

),

formal_starts as (

    select
        challenge_id,
        min(entered_on) as formal_started_on
    from episodes
    where is_formal
    group by challenge_id

),

cafcass_referrals as (

    select
        challenge_id,
        min(entered_on) as cafcass_referred_on
    from episodes
    where is_cafcass
    group by challenge_id

),

legal_advice as (

    select distinct challenge_id
    from events
    where event_type = 'legal_advice'

),

theme_lists as (

    select
        challenge_id,
        list(theme_code order by theme_position) as themes,
        string_agg(theme_label, ', ' order by theme_position) as themes_label,
        count(*) as theme_count
    from challenge_themes
    group by challenge_id

),

worker_names as (

    select
        worker_id,
        arg_max(worker_name, valid_from) as worker_name
    from worker_spells
    group by worker_id

),

joined as (

    select
        challenges.*,
        current_episodes.stage_number as current_stage,
        current_episodes.stage_key as current_stage_key,
        current_episodes.stage_name as current_stage_name,
        current_episodes.stage_label as current_stage_label,
        current_episodes.is_cafcass as is_current_stage_cafcass,
        current_episodes.outcome as current_outcome,
        current_episodes.ended_on as current_ended_on,
        current_episodes.response_due_on,
        current_episodes.is_overdue as is_current_stage_overdue,
        current_episodes.is_awaiting_response_past_due as is_current_stage_awaiting_past_due,
        current_episodes.working_days_overdue as current_working_days_overdue,
        current_episodes.responsible_worker_id,
        current_episodes.responsible_name,
        formal_starts.formal_started_on,
        cafcass_referrals.cafcass_referred_on,
        legal_advice.challenge_id is not null as is_legal_advice_requested,
        coalesce(theme_lists.themes, cast([] as varchar[])) as themes,
        coalesce(theme_lists.themes_label, '') as themes_label,
        coalesce(theme_lists.theme_count, 0) as theme_count,
        worker_names.worker_name as iro_name,
        protocol.protocol_code,
        protocol.protocol_version_id,
        protocol.protocol_name,
        protocol.formal_cap_working_days
    from challenges
    inner join current_episodes
        on challenges.challenge_id = current_episodes.challenge_id
    left join formal_starts
        on challenges.challenge_id = formal_starts.challenge_id
    left join cafcass_referrals
        on challenges.challenge_id = cafcass_referrals.challenge_id
    left join legal_advice
        on challenges.challenge_id = legal_advice.challenge_id
    left join theme_lists
        on challenges.challenge_id = theme_lists.challenge_id
    left join worker_names
        on challenges.raised_by_worker_id = worker_names.worker_id
    -- the version of the protocol in force on the day raised: its cap applies
    inner join protocol
        on challenges.protocol_version_id = protocol.protocol_version_id

),

statused as (

    select
        *,
        case
            when current_outcome in ('resolved', 'withdrawn') then current_outcome
            else 'open'
        end as status,
        case
            when current_outcome in ('resolved', 'withdrawn') then current_ended_on
        end as closed_on,
        case
            when formal_started_on is not null
                then {{ add_working_days('formal_started_on', 'formal_cap_working_days') }}
        end as cap_due_on
    from joined

),

final as (

    select
        challenge_id,
        child_id,
        case_ref,
        legal_status,
        context,
        team_id,
        coalesce(team_name, 'Team not recorded') as team_name,
        coalesce(service_name, 'Service not recorded') as service_name,
        division_name,
        raised_by_worker_id as iro_worker_id,
        iro_name,
        route,
        entry_stage,
        current_stage,
        current_stage_key,
        current_stage_name,
        current_stage_label,
        status,
        raised_on,
        cast(date_trunc('month', raised_on) as date) as raised_month,
        formal_started_on,
        closed_on,
        cast({{ working_days_between('raised_on', 'coalesce(closed_on, ' ~ as_at_date() ~ ')') }} as integer)
            as working_days_open,
        cap_due_on,
        coalesce(
            formal_started_on is not null
            and coalesce(closed_on, {{ as_at_date() }}) > cap_due_on,
            false
        ) as is_cap_breached,
        cafcass_referred_on is not null as is_cafcass_referred,
        cafcass_referred_on,
        is_legal_advice_requested,
        themes,
        themes_label,
        cast(theme_count as integer) as theme_count,
        response_due_on,
        status = 'open' and is_current_stage_overdue as is_overdue,
        status = 'open' and is_current_stage_awaiting_past_due as is_awaiting_response_past_due,
        cast(case when status = 'open' then current_working_days_overdue else 0 end as integer)
            as working_days_overdue,
        responsible_worker_id,
        responsible_name,
        -- e.g. 'Resolved at Stage 2', 'Open at Positive Challenge', 'Open at Referral to CAFCASS'
        upper(left(status, 1)) || substr(status, 2) || ' at '
        || case
            when current_stage = 0 or is_current_stage_cafcass then current_stage_name
            else current_stage_label
        end as outcome,
        is_qa_triggered,
        record_source,
        app_challenge_id,
        protocol_code,
        protocol_version_id,
        protocol_name
    from statused

)

select * from final
