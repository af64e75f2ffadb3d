-- Challenges raised on or before the as-at date, with the team they roll up to, the version of the
-- protocol they follow (the one in force on the day raised, int_protocol) and whether they are
-- valid. Invalid challenges stay here with an issue_code (listed in mart_data_quality_issues) and
-- are left out of everything counted.

with

challenges as (

    select * from {{ ref('int_challenges_unioned') }}

),

teams as (

    select * from {{ ref('stg_teams') }}

),

children as (

    select * from {{ ref('stg_children') }}

),

worker_spells as (

    select * from {{ ref('int_worker_spells') }}

),

protocol as (

    select * from {{ ref('int_protocol') }}

),

in_window as (

    select *
    from challenges
    where raised_on <= {{ as_at_date() }}

),

social_worker_teams as (

    -- the team of the social worker's spell covering the date raised (the child's allocated
    -- worker if the challenge names no social worker); the latest-starting spell if several
    select
        in_window.challenge_id,
        worker_spells.team_id
    from in_window
    left join children
        on in_window.child_id = children.child_id
    inner join worker_spells
        on
            coalesce(in_window.social_worker_id, children.allocated_worker_id) = worker_spells.worker_id
            and in_window.raised_on between worker_spells.valid_from and worker_spells.valid_until
    inner join teams
        on worker_spells.team_id = teams.team_id
    qualify row_number() over (
        partition by in_window.challenge_id
        order by worker_spells.valid_from desc, worker_spells.team_id asc
    ) = 1

),

team_of_the_day as (

    select
        in_window.*,
        in_window.team_id as recorded_team_id,
        recorded_team.team_id as known_recorded_team_id,
        social_worker_teams.team_id as social_worker_team_id
    from in_window
    left join teams as recorded_team
        on in_window.team_id = recorded_team.team_id
    left join social_worker_teams
        on in_window.challenge_id = social_worker_teams.challenge_id

),

child_known_teams as (

    -- what was known of the child's team before (or on) the day raised: the team of each of its
    -- other challenges (recorded or of the day), and the team of each spell of its social worker
    -- (the allocated worker if none is named) that started by then
    select
        later.challenge_id,
        coalesce(earlier.known_recorded_team_id, earlier.social_worker_team_id) as team_id,
        earlier.raised_on as known_on
    from team_of_the_day as later
    inner join team_of_the_day as earlier
        on
            later.child_id = earlier.child_id
            and later.raised_on >= earlier.raised_on
            and later.challenge_id <> earlier.challenge_id
    where coalesce(earlier.known_recorded_team_id, earlier.social_worker_team_id) is not null

    union all

    select
        later.challenge_id,
        worker_spells.team_id,
        least(worker_spells.valid_until, later.raised_on) as known_on
    from team_of_the_day as later
    left join children
        on later.child_id = children.child_id
    inner join worker_spells
        on
            coalesce(later.social_worker_id, children.allocated_worker_id) = worker_spells.worker_id
            and later.raised_on >= worker_spells.valid_from
    inner join teams
        on worker_spells.team_id = teams.team_id

),

child_latest_teams as (

    select
        challenge_id,
        team_id
    from child_known_teams
    qualify row_number() over (
        partition by challenge_id
        order by known_on desc, team_id asc
    ) = 1

),

team_resolved as (

    select
        team_of_the_day.*,
        child_latest_teams.team_id as child_history_team_id
    from team_of_the_day
    left join child_latest_teams
        on team_of_the_day.challenge_id = child_latest_teams.challenge_id

),

validated as (

    select
        team_resolved.*,
        coalesce(
            team_resolved.known_recorded_team_id,
            team_resolved.social_worker_team_id,
            team_resolved.child_history_team_id
        ) as resolved_team_id,
        case
            when team_resolved.known_recorded_team_id is not null then 'challenge'
            when team_resolved.social_worker_team_id is not null then 'social_worker_spell'
            when team_resolved.child_history_team_id is not null then 'child_history'
            else 'unresolved'
        end as team_source,
        case
            when team_resolved.route = 'informal' then 0
            else team_resolved.entry_stage
        end as checked_entry_stage,
        case
            when
                team_resolved.raised_on < date '{{ var("date_floor") }}'
                or team_resolved.raised_on > date '{{ var("calendar_end") }}'
                then 'date_out_of_range'
            when protocol.protocol_version_id is null then 'no_protocol_in_force'
            when team_resolved.route = 'informal' and coalesce(team_resolved.entry_stage, 0) <> 0
                then 'invalid_entry_stage'
            when
                team_resolved.route = 'formal'
                and (
                    team_resolved.entry_stage is null
                    or team_resolved.entry_stage < 1
                    or team_resolved.entry_stage > protocol.stage_count
                )
                then 'invalid_entry_stage'
            when
                team_resolved.route = 'formal'
                and team_resolved.entry_stage = protocol.cafcass_stage_number
                and protocol.looked_after_only_cafcass
                and team_resolved.legal_status <> 'lac'
                then 'cafcass_not_lac'
        end as issue_code,
        protocol.protocol_version_id,
        protocol.protocol_name
    from team_resolved
    left join protocol
        on team_resolved.raised_on between protocol.effective_from and protocol.effective_until

),

final as (

    select
        validated.challenge_id,
        validated.child_id,
        {{ case_ref('validated.child_id') }} as case_ref,
        validated.raised_on,
        validated.raised_by_worker_id,
        validated.social_worker_id,
        validated.recorded_team_id,
        validated.resolved_team_id as team_id,
        validated.team_source,
        teams.team_name,
        teams.service_name,
        teams.division_name,
        validated.legal_status,
        validated.context,
        validated.route,
        cast(validated.checked_entry_stage as integer) as entry_stage,
        validated.theme_codes,
        validated.concern,
        validated.raised_with_worker_id,
        validated.is_qa_triggered,
        validated.protocol_version_id,
        validated.protocol_name,
        validated.record_source,
        validated.source_table,
        validated.source_record_id,
        validated.issue_code,
        validated.issue_code is null as is_valid,
        validated.recorded_at,
        validated.recorded_by,
        validated.app_challenge_id,
        validated.app_raised_event_id,
        validated.load_id,
        validated.source_file,
        validated.source_row
    from validated
    left join teams
        on validated.resolved_team_id = teams.team_id

)

select * from final
