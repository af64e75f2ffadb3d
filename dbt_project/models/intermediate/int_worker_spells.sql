-- Workers' spells with the service and division of the spell's team, open-ended spells closed
-- at 9999-12-31 so "valid on a date" is a between.

with

workers as (

    select * from {{ ref('stg_workers') }}

),

teams as (

    select * from {{ ref('stg_teams') }}

),

final as (

    select
        workers.worker_id,
        workers.worker_name,
        workers.role,
        workers.team_id,
        teams.service_name,
        teams.division_name,
        workers.valid_from,
        workers.valid_to,
        coalesce(workers.valid_to, date '9999-12-31') as valid_until
    from workers
    left join teams
        on workers.team_id = teams.team_id

)

select * from final
