-- The weekly digest's items (docs/notifications.md, "Weekly digest"): as at the build's date, one
-- row per person x challenge x section. Sections: due_this_week (a response they must make is due
-- from the as-at date to the Sunday of its ISO week), overdue (a response they must make is past
-- its due date), awaiting_decision (the IRO who raised it: the manager has responded and the IRO
-- has yet to record satisfied or escalate). The IRO's assistant service manager (found as for the
-- iro_asm notifications: in the IRO's team, else the IRO's service, on the as-at day) gets every
-- item of the IROs in their teams. The notifier (notify/digest.py) sends a person who chose the
-- weekly digest one email per ISO week, on or after digest_day_on: the first working day of the
-- week (Monday, or the next working day when Monday is a bank holiday).

with

episodes as (

    select * from {{ ref('fct_stage_episodes') }}
    where is_open and is_current_stage

),

challenges as (

    select * from {{ ref('int_challenges') }}
    where is_valid

),

calendar as (

    select * from {{ ref('dim_calendar') }}

),

worker_spells as (

    select * from {{ ref('int_worker_spells') }}

),

worker_contacts as (

    select * from {{ ref('int_worker_contacts') }}

),

week as (

    select
        {{ as_at_date() }} as as_at_on,
        cast(date_trunc('week', {{ as_at_date() }}) as date) as week_start_on,
        cast(date_trunc('week', {{ as_at_date() }}) as date) + 6 as week_end_on,
        strftime({{ as_at_date() }}, '%G-W%V') as digest_week

),

digest_day as (

    select
        week.*,
        min(calendar.date_day) filter (where calendar.is_working_day) as digest_day_on
    from week
    left join calendar
        on calendar.date_day between week.week_start_on and week.week_end_on
    group by all

),

items as (

    select
        episodes.responsible_worker_id as worker_id,
        'responder' as recipient_role,
        case
            when episodes.response_due_on < {{ as_at_date() }} then 'overdue'
            else 'due_this_week'
        end as section,
        episodes.*
    from episodes
    cross join week
    where
        episodes.responded_on is null
        and episodes.response_due_on is not null
        and episodes.responsible_worker_id is not null
        and episodes.response_due_on <= week.week_end_on
    union all
    select
        challenges.raised_by_worker_id as worker_id,
        'iro' as recipient_role,
        'awaiting_decision' as section,
        episodes.*
    from episodes
    inner join challenges
        on episodes.challenge_id = challenges.challenge_id
    where episodes.responded_on is not null and challenges.raised_by_worker_id is not null

),

item_context as (

    select
        items.*,
        challenges.raised_by_worker_id as iro_worker_id,
        iro_spell.team_id as iro_team_id,
        iro_spell.service_name as iro_service_name
    from items
    inner join challenges
        on items.challenge_id = challenges.challenge_id
    left join worker_spells as iro_spell
        on
            challenges.raised_by_worker_id = iro_spell.worker_id
            and {{ as_at_date() }} between iro_spell.valid_from and iro_spell.valid_until
    qualify row_number() over (
        partition by items.worker_id, items.challenge_id, items.section
        order by iro_spell.valid_from desc nulls last, iro_spell.team_id asc
    ) = 1

),

asm_search as (

    -- the IRO's assistant service manager on the as-at day: in the IRO's team, else the service
    select
        item_context.challenge_id,
        item_context.section,
        asm.worker_id,
        case when asm.team_id = item_context.iro_team_id then 1 else 2 end as search_level,
        asm.valid_from
    from item_context
    inner join worker_spells as asm
        on
            asm.role = 'assistant_service_manager'
            and {{ as_at_date() }} between asm.valid_from and asm.valid_until
            and (
                item_context.iro_team_id = asm.team_id
                or item_context.iro_service_name = asm.service_name
            )

),

asm_items as (

    select
        asm_search.worker_id,
        'iro_asm' as recipient_role,
        item_context.* exclude (worker_id, recipient_role)
    from asm_search
    inner join item_context
        on
            asm_search.challenge_id = item_context.challenge_id
            and asm_search.section = item_context.section
    qualify row_number() over (
        partition by asm_search.challenge_id, asm_search.section, item_context.worker_id
        order by asm_search.search_level asc, asm_search.valid_from desc, asm_search.worker_id asc
    ) = 1

),

all_items as (

    select * from item_context
    union all by name
    select * from asm_items

),

final as (

    select
        md5(all_items.worker_id || '|' || all_items.challenge_id || '|' || all_items.section) as digest_item_id,
        all_items.worker_id as recipient_worker_id,
        any_value(worker_contacts.worker_name) as recipient_name,
        any_value(worker_contacts.email) as recipient_email,
        string_agg(distinct all_items.recipient_role, ';' order by all_items.recipient_role) as recipient_roles,
        all_items.section,
        all_items.challenge_id,
        any_value(all_items.case_ref) as case_ref,
        cast(any_value(all_items.stage_number) as integer) as stage_number,
        any_value(all_items.stage_label) as stage_label,
        any_value(all_items.stage_name) as stage_name,
        any_value(all_items.responsible_worker_id) as responder_worker_id,
        any_value(all_items.responsible_name) as responder_name,
        any_value(all_items.response_due_on) as response_due_on,
        any_value(all_items.responded_on) as responded_on,
        any_value(all_items.iro_worker_id) as iro_worker_id,
        any_value(all_items.team_id) as team_id,
        any_value(digest_day.as_at_on) as as_at_on,
        any_value(digest_day.digest_week) as digest_week,
        any_value(digest_day.week_start_on) as week_start_on,
        any_value(digest_day.digest_day_on) as digest_day_on,
        {{ protocol_code() }} as protocol_code
    from all_items
    cross join digest_day
    left join worker_contacts
        on all_items.worker_id = worker_contacts.worker_id
    group by all_items.worker_id, all_items.challenge_id, all_items.section

)

select * from final
