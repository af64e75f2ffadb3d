-- Data-quality issues of challenge events (mart_data_quality_issues): an event left out (its
-- issue_code), an escalation that bypasses a stage where the challenge's protocol version allows
-- no bypass, and a step whose named worker is not in the workers extract. One row per record and
-- issue.

with

challenges as (

    select * from {{ ref('int_challenges') }}

),

events as (

    select * from {{ ref('int_challenge_events') }}

),

episodes as (

    select * from {{ ref('int_stage_episodes') }}

),

protocol as (

    select * from {{ ref('int_protocol') }}

),

event_issues as (

    select
        'challenge_events' as source_table,
        events.event_id as record_id,
        events.challenge_id,
        events.issue_code,
        events.event_type || ' on ' || cast(events.event_on as varchar)
        || coalesce(', stage ' || cast(events.stage as varchar), '') as issue_detail,
        events.event_on as record_date,
        events.load_id,
        events.source_file,
        events.source_row
    from events
    where events.issue_code is not null

),

event_bypass_issues as (

    select
        'challenge_events' as source_table,
        events.event_id as record_id,
        events.challenge_id,
        'bypass_not_allowed' as issue_code,
        'escalated from stage ' || cast(events.stage_before as varchar) || ' to stage '
        || cast(events.target_stage as varchar) as issue_detail,
        events.event_on as record_date,
        events.load_id,
        events.source_file,
        events.source_row
    from events
    inner join challenges
        on events.challenge_id = challenges.challenge_id
    -- the version of the protocol the challenge follows (in force on the day it was raised)
    inner join protocol
        on challenges.protocol_version_id = protocol.protocol_version_id
    where
        events.is_bypass
        and not protocol.bypass_allowed

),

worker_issues as (

    select
        case when episodes.event_id is null then challenges.source_table else 'challenge_events' end
            as source_table,
        coalesce(episodes.event_id, challenges.source_record_id) as record_id,
        episodes.challenge_id,
        'unknown_assigned_worker' as issue_code,
        'worker ' || episodes.assigned_worker_id || ' at ' || episodes.stage_label as issue_detail,
        episodes.entered_on as record_date,
        coalesce(events.load_id, challenges.load_id) as load_id,
        coalesce(events.source_file, challenges.source_file) as source_file,
        coalesce(events.source_row, challenges.source_row) as source_row
    from episodes
    inner join challenges
        on episodes.challenge_id = challenges.challenge_id
    left join events
        on episodes.event_id = events.event_id
    where not episodes.is_assigned_worker_known

),

final as (

    select * from event_issues
    union all
    select * from event_bypass_issues
    union all
    select * from worker_issues

)

select * from final
