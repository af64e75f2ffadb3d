-- Notifications due: one row per event x recipient x kind (docs/notifications.md): the events
-- and reminders of int_notification_events, told to the people int_notification_recipients
-- finds for them (seeds/notification_rules.csv for the protocol in force), one row per person
-- however many of their roles are told, with the address to send to (int_worker_contacts). The
-- outbox (notify/) decides which of these are sent: only events from the moment notifications
-- were switched on.

with

resolved as (

    select * from {{ ref('int_notification_recipients') }}

),

worker_contacts as (

    select * from {{ ref('int_worker_contacts') }}

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
        any_value(worker_contacts.worker_name) as recipient_name,
        any_value(worker_contacts.email) as recipient_email,
        string_agg(distinct resolved.recipient_role, ';' order by resolved.recipient_role) as recipient_roles,
        bool_or(resolved.recipient_worker_id = resolved.responder_worker_id) as is_responder,
        any_value(resolved.responder_worker_id) as responder_worker_id,
        any_value(resolved.responder_name) as responder_name,
        any_value(resolved.response_due_on) as response_due_on,
        any_value(resolved.iro_worker_id) as iro_worker_id,
        any_value(resolved.team_id) as team_id,
        {{ protocol_code() }} as protocol_code
    from resolved
    left join worker_contacts
        on resolved.recipient_worker_id = worker_contacts.worker_id
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
