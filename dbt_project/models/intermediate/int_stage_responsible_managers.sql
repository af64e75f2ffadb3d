-- The manager responsible for each step of int_stage_steps: the worker named for it, else the
-- worker in the stage's responder role valid on the day the stage was entered, nearest the
-- challenge's team; with their name and their own role. One row per step.

with

steps as (

    select * from {{ ref('int_stage_steps') }}

),

worker_spells as (

    select * from {{ ref('int_worker_spells') }}

),

worker_contacts as (

    select * from {{ ref('int_worker_contacts') }}

),

derived_responsible as (

    -- no named manager: the worker in the stage's responder role valid on the day the stage was
    -- entered, in the challenge's team (team manager, social worker), its service (service
    -- manager) or, nearest first, its service, division or anywhere (head of service, director)
    select
        steps.challenge_id,
        steps.stage_key,
        worker_spells.worker_id
    from steps
    inner join worker_spells
        on
            steps.responder_role = worker_spells.role
            and steps.entered_on between worker_spells.valid_from and worker_spells.valid_until
    where
        steps.assigned_worker_id is null
        and {{ spell_nearness('worker_spells', 'steps.team_id', 'steps.service_name', 'steps.division_name') }}
        <= {{ search_reach('steps.responder_role') }}
    qualify row_number() over (
        partition by steps.challenge_id, steps.stage_key
        order by
            {{ spell_nearness('worker_spells', 'steps.team_id', 'steps.service_name', 'steps.division_name') }},
            worker_spells.valid_from desc,
            worker_spells.worker_id asc
    ) = 1

),

responsible as (

    select
        steps.challenge_id,
        steps.stage_key,
        steps.entered_on,
        coalesce(steps.assigned_worker_id, derived_responsible.worker_id) as responsible_worker_id,
        case
            when steps.assigned_worker_id is not null then 'named'
            when derived_responsible.worker_id is not null then 'derived'
        end as responsible_source,
        steps.assigned_worker_id is null
        or steps.assigned_worker_id in (select worker_id from worker_contacts) as is_assigned_worker_known
    from steps
    left join derived_responsible
        on
            steps.challenge_id = derived_responsible.challenge_id
            and steps.stage_key = derived_responsible.stage_key

),

responsible_roles as (

    -- the responsible worker's own role (not the stage's responder role): the spell covering the
    -- day the stage was entered, else the worker's latest spell starting by then, else any latest
    select
        responsible.challenge_id,
        responsible.stage_key,
        worker_spells.role
    from responsible
    inner join worker_spells
        on responsible.responsible_worker_id = worker_spells.worker_id
    qualify row_number() over (
        partition by responsible.challenge_id, responsible.stage_key
        order by
            responsible.entered_on between worker_spells.valid_from and worker_spells.valid_until desc,
            responsible.entered_on >= worker_spells.valid_from desc,
            worker_spells.valid_from desc,
            worker_spells.role asc
    ) = 1

),

final as (

    select
        responsible.challenge_id,
        responsible.stage_key,
        responsible.responsible_worker_id,
        worker_contacts.worker_name as responsible_name,
        responsible_roles.role as responsible_role,
        responsible.responsible_source,
        responsible.is_assigned_worker_known
    from responsible
    left join worker_contacts
        on responsible.responsible_worker_id = worker_contacts.worker_id
    left join responsible_roles
        on
            responsible.challenge_id = responsible_roles.challenge_id
            and responsible.stage_key = responsible_roles.stage_key

)

select * from final
