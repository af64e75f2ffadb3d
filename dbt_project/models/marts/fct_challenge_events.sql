-- Every event of every valid challenge, in the order the case timeline shows them: the raising of
-- the challenge, then each event (case system and app, reconciled: int_challenge_events_unioned),
-- valid or not (an invalid one says why, so a challenge's history can be read in full).
-- Order: event date; the raising first; then recorded_at (two people acting at the same moment
-- are both kept and shown in the order they were recorded); then event_id.

{{ incremental_by_challenge() }}

with

challenges as (

    select * from {{ ref('int_challenges') }}
    where is_valid and {{ in_build_scope() }}

),

events as (

    select * from {{ ref('int_challenge_events') }}
    where {{ in_build_scope() }}

),

workers as (

    select
        worker_id,
        any_value(worker_name order by valid_from desc) as worker_name
    from {{ ref('stg_workers') }}
    group by worker_id

),

raised as (

    select
        challenge_id,
        coalesce(
            case when record_source = 'app' then source_record_id end,
            'raised:' || challenge_id
        ) as event_id,
        'raised' as event_type,
        raised_on as event_on,
        entry_stage as stage,  -- noqa: RF04
        raised_by_worker_id as actor_worker_id,
        concern as note,
        cast(null as varchar) as reason,
        cast(null as boolean) as satisfied,
        cast(null as varchar) as outcome_code,
        cast(null as varchar) as outcome_note,
        cast(null as varchar) as attendees,
        recorded_at,
        recorded_by,
        record_source as source,  -- noqa: RF04
        true as is_valid,
        cast(null as varchar) as issue_code,
        0 as type_order
    from challenges

),

steps as (

    select
        events.challenge_id,
        events.event_id,
        events.event_type,
        events.event_on,
        events.stage,
        events.actor_worker_id,
        events.note,
        events.reason,
        events.satisfied,
        events.outcome_code,
        events.outcome_note,
        events.attendees,
        events.recorded_at,
        events.recorded_by,
        events.record_source as source,  -- noqa: RF04
        events.is_valid,
        events.issue_code,
        1 as type_order
    from events
    inner join challenges
        on events.challenge_id = challenges.challenge_id

),

unioned as (

    select * from raised
    union all by name
    select * from steps

),

final as (

    select
        unioned.challenge_id,
        challenges.case_ref,
        unioned.event_id,
        cast(row_number() over (
            partition by unioned.challenge_id
            order by unioned.event_on, unioned.type_order, unioned.recorded_at nulls last, unioned.event_id
        ) as integer) as timeline_order,
        unioned.event_type,
        unioned.event_on,
        cast(unioned.stage as integer) as stage,  -- noqa: RF04
        unioned.actor_worker_id,
        workers.worker_name as actor_name,
        unioned.note,
        unioned.reason,
        unioned.satisfied,
        unioned.outcome_code,
        unioned.outcome_note,
        unioned.attendees,
        unioned.recorded_at,
        unioned.recorded_by,
        unioned.source,
        unioned.is_valid,
        unioned.issue_code
    from unioned
    inner join challenges
        on unioned.challenge_id = challenges.challenge_id
    left join workers
        on unioned.actor_worker_id = workers.worker_id

)

select * from final
