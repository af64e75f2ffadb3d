-- One row per worker: the name and email to address them by (their latest spell's name, their
-- latest non-empty email). The one list of people every recipient and responsible manager is
-- named from (int_stage_responsible_managers, mart_notifications_due, mart_notification_digest).

with

workers as (

    select * from {{ ref('stg_workers') }}

),

final as (

    select
        worker_id,
        arg_max(worker_name, valid_from) as worker_name,
        arg_max(nullif(trim(email), ''), valid_from) filter (where nullif(trim(email), '') is not null) as email
    from workers
    group by worker_id

)

select * from final
