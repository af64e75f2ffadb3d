-- The protocol seeds hang together, so an analyst's new variant or version fails the build early
-- and clearly. A version is a row of protocols.csv (protocol_code, effective_from); its stages
-- are the rows of protocol_stages.csv with the same two. Returns one row per problem:
--   * the versions of a protocol start on different days (an empty effective_from is the start);
--   * every stage row belongs to a version;
--   * every version has stages 1..N without gaps;
--   * a final_stage CAFCASS version names its last stage as the CAFCASS stage, a concurrent one
--     names none;
--   * the QA trigger stage, if any, is one of the version's stages;
--   * only the CAFCASS stage may have no response deadline.

with

protocols as (

    select
        *,
        coalesce(effective_from, date '{{ var("date_floor") }}') as version_from
    from {{ ref('protocols') }}

),

protocol_stages as (

    select
        *,
        coalesce(effective_from, date '{{ var("date_floor") }}') as version_from
    from {{ ref('protocol_stages') }}

),

stage_summary as (

    select
        protocol_code,
        version_from,
        count(*) as stage_count,
        min(stage_number) as first_stage,
        max(stage_number) as last_stage
    from protocol_stages
    group by protocol_code, version_from

),

problems as (

    select
        protocol_code,
        'two versions start on ' || cast(version_from as varchar)
        || ' (effective_from must differ; an empty one is the start)' as problem
    from protocols
    group by protocol_code, version_from
    having count(*) > 1

    union all

    select
        protocol_stages.protocol_code,
        'stage ' || cast(protocol_stages.stage_number as varchar) || ' has effective_from '
        || coalesce(cast(protocol_stages.effective_from as varchar), 'empty')
        || ', which is no version of the protocol in protocols.csv' as problem
    from protocol_stages
    left join protocols
        on
            protocol_stages.protocol_code = protocols.protocol_code
            and protocol_stages.version_from = protocols.version_from
    where protocols.protocol_code is null

    union all

    select
        protocols.protocol_code,
        'stages must be numbered 1..N without gaps (version from '
        || cast(protocols.version_from as varchar) || ')' as problem
    from protocols
    left join stage_summary
        on
            protocols.protocol_code = stage_summary.protocol_code
            and protocols.version_from = stage_summary.version_from
    where stage_summary.protocol_code is null
        or stage_summary.first_stage <> 1
        or stage_summary.last_stage <> stage_summary.stage_count

    union all

    select
        protocols.protocol_code,
        'a final_stage CAFCASS protocol must name its last stage as cafcass_stage_number' as problem
    from protocols
    inner join stage_summary
        on
            protocols.protocol_code = stage_summary.protocol_code
            and protocols.version_from = stage_summary.version_from
    where protocols.cafcass_mode = 'final_stage'
        and protocols.cafcass_stage_number is distinct from stage_summary.last_stage

    union all

    select
        protocol_code,
        'a concurrent CAFCASS protocol must leave cafcass_stage_number empty' as problem
    from protocols
    where cafcass_mode = 'concurrent'
        and cafcass_stage_number is not null

    union all

    select
        protocols.protocol_code,
        'qa_inadequate_trigger_stage must be one of the protocol''s stages' as problem
    from protocols
    inner join stage_summary
        on
            protocols.protocol_code = stage_summary.protocol_code
            and protocols.version_from = stage_summary.version_from
    where protocols.qa_inadequate_trigger_stage is not null
        and protocols.qa_inadequate_trigger_stage not between 1 and stage_summary.stage_count

    union all

    select
        protocol_stages.protocol_code,
        'stage ' || cast(protocol_stages.stage_number as varchar)
            || ' needs response_working_days and a responder_role (only the CAFCASS stage may have none)'
            as problem
    from protocol_stages
    inner join protocols
        on
            protocol_stages.protocol_code = protocols.protocol_code
            and protocol_stages.version_from = protocols.version_from
    where (protocol_stages.response_working_days is null or protocol_stages.responder_role is null)
        and protocol_stages.stage_number is distinct from protocols.cafcass_stage_number

)

select * from problems
