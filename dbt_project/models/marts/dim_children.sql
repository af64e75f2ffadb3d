-- The children known to the service (the latest load's row per child), for the logging form's
-- checks (the child exists; CAFCASS only for looked-after children) and the team it offers for a
-- new challenge (docs/marts.md, team roll-up). Identifiers only, no names; the age (not the date
-- of birth) tells children apart in the form's search.

with

children as (

    select * from {{ ref('stg_children') }}

),

teams as (

    select * from {{ ref('stg_teams') }}

),

worker_spells as (

    select * from {{ ref('int_worker_spells') }}

),

challenges as (

    select * from {{ ref('int_challenges') }}

),

allocations as (

    -- the allocated worker's spell covering the as-at date (the latest-starting if several)
    select
        children.child_id,
        worker_spells.team_id
    from children
    inner join worker_spells
        on
            children.allocated_worker_id = worker_spells.worker_id
            and {{ as_at_date() }} between worker_spells.valid_from and worker_spells.valid_until
    inner join teams
        on worker_spells.team_id = teams.team_id
    qualify row_number() over (
        partition by children.child_id
        order by worker_spells.valid_from desc, worker_spells.team_id asc
    ) = 1

),

known_teams as (

    -- as int_challenges' child_history: the child's challenges' teams and its worker's spells
    select
        challenges.child_id,
        challenges.team_id,
        challenges.raised_on as known_on
    from challenges
    where challenges.team_id is not null

    union all

    select
        children.child_id,
        worker_spells.team_id,
        least(worker_spells.valid_until, {{ as_at_date() }}) as known_on
    from children
    inner join worker_spells
        on
            children.allocated_worker_id = worker_spells.worker_id
            and worker_spells.valid_from <= {{ as_at_date() }}
    inner join teams
        on worker_spells.team_id = teams.team_id

),

latest_known as (

    select
        child_id,
        team_id
    from known_teams
    qualify row_number() over (
        partition by child_id
        order by known_on desc, team_id asc
    ) = 1

),

final as (

    select
        children.child_id,
        {{ case_ref('children.child_id') }} as case_ref,
        children.legal_status,
        -- whole years on the as-at date: the logging form tells children apart by it
        datesub('year', children.date_of_birth, {{ as_at_date() }}) as age_years,
        children.allocated_worker_id,
        coalesce(allocations.team_id, latest_known.team_id) as team_id,
        case
            when allocations.team_id is not null then 'allocation'
            when latest_known.team_id is not null then 'latest_known'
        end as team_source
    from children
    left join allocations
        on children.child_id = allocations.child_id
    left join latest_known
        on children.child_id = latest_known.child_id

)

select * from final
