-- The protocol seeds hang together, so an analyst's new variant fails the build early and
-- clearly. Returns one row per problem:
--   * every protocol has stages 1..N without gaps;
--   * a final_stage CAFCASS protocol names its last stage as the CAFCASS stage, a concurrent one
--     names none;
--   * the QA trigger stage, if any, is one of the protocol's stages;
--   * only the CAFCASS stage may have no response deadline.

with

protocols as (

    select * from {{ ref('protocols') }}

),

protocol_stages as (

    select * from {{ ref('protocol_stages') }}

),

stage_summary as (

    select
        protocol_code,
        count(*) as stage_count,
        min(stage_number) as first_stage,
        max(stage_number) as last_stage
    from protocol_stages
    group by protocol_code

),

problems as (

    select
        protocols.protocol_code,
        'stages must be numbered 1..N without gaps' as problem
    from protocols
    left join stage_summary
        on protocols.protocol_code = stage_summary.protocol_code
    where stage_summary.protocol_code is null
        or stage_summary.first_stage <> 1
        or stage_summary.last_stage <> stage_summary.stage_count

    union all

    select
        protocols.protocol_code,
        'a final_stage CAFCASS protocol must name its last stage as cafcass_stage_number' as problem
    from protocols
    inner join stage_summary
        on protocols.protocol_code = stage_summary.protocol_code
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
        on protocols.protocol_code = stage_summary.protocol_code
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
        on protocol_stages.protocol_code = protocols.protocol_code
    where (protocol_stages.response_working_days is null or protocol_stages.responder_role is null)
        and protocol_stages.stage_number is distinct from protocols.cafcass_stage_number

)

select * from problems
