-- Who is told of each notification event (docs/notifications.md): one row per event x recipient
-- role of seeds/notification_rules.csv for the protocol in force, with the worker found for it.
-- Recipients are resolved like the responsible manager (int_stage_responsible_managers): the
-- worker in the role valid on the day, in the child's team (team manager, social worker), its
-- service (service manager) or nearest (head of service, director); the IRO's assistant service
-- manager and the service manager of the IRO's service from the IRO's own team; 'responder' (and
-- the stage's responder role) is the stage's responsible manager, named or derived. A role with
-- nobody found keeps its row with an empty recipient_worker_id.

with

rules as (

    select
        event_kind,
        stage_number,
        recipient_role
    from {{ ref('notification_rules') }}
    where protocol_code = {{ protocol_code() }}

),

all_events as (

    select * from {{ ref('int_notification_events') }}

),

challenges as (

    select * from {{ ref('int_challenges') }}
    where is_valid

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
    -- the stage of the version of the protocol the challenge follows
    left join stages
        on
            all_events.stage_number = stages.stage_number
            and challenges.protocol_version_id = stages.protocol_version_id
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
        {{ search_reach('wanted.recipient_role') }} as max_level
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
        {{ spell_nearness(
            'worker_spells', 'direct.anchor_team_id', 'direct.anchor_service_name', 'direct.anchor_division_name'
        ) }} as search_level
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

final as (

    select
        direct.*,
        coalesce(direct.direct_worker_id, nearest.worker_id) as recipient_worker_id
    from direct
    left join nearest
        on
            direct.event_id = nearest.event_id
            and direct.recipient_role = nearest.recipient_role

)

select * from final
