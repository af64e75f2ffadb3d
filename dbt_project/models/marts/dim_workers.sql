-- The workers in post on the as-at date, one row each (their spell valid that day, the
-- latest-starting if several): the logging form's name search for the manager a challenge was
-- raised with, sent to or answered by (docs/marts.md). Staff, not children: names are shown.

with

worker_spells as (

    select * from {{ ref('int_worker_spells') }}

),

teams as (

    select * from {{ ref('stg_teams') }}

),

final as (

    select
        worker_spells.worker_id,
        worker_spells.worker_name,
        worker_spells.role,
        worker_spells.team_id,
        teams.team_name,
        teams.service_name
    from worker_spells
    left join teams
        on worker_spells.team_id = teams.team_id
    where {{ as_at_date() }} between worker_spells.valid_from and worker_spells.valid_until
    qualify row_number() over (
        partition by worker_spells.worker_id
        order by worker_spells.valid_from desc, worker_spells.team_id asc
    ) = 1

)

select * from final
