-- The protocol in force (var protocol): one row, or none if the code is not in seeds/protocols.csv
-- (the row_count_equals test then stops the build with a clear message).

with

protocols as (

    select * from {{ ref('protocols') }}

),

protocol_stages as (

    select * from {{ ref('protocol_stages') }}

),

stage_counts as (

    select
        protocol_code,
        cast(count(*) as integer) as stage_count
    from protocol_stages
    group by protocol_code

),

final as (

    select
        protocols.protocol_code,
        protocols.name as protocol_name,
        protocols.informal_tier_name,
        protocols.informal_responder_role,
        protocols.informal_response_working_days,
        protocols.formal_cap_working_days,
        protocols.bypass_allowed,
        protocols.cafcass_mode,
        protocols.cafcass_stage_number,
        protocols.qa_inadequate_trigger_stage,
        protocols.looked_after_only_cafcass,
        coalesce(stage_counts.stage_count, 0) as stage_count
    from protocols
    left join stage_counts
        on protocols.protocol_code = stage_counts.protocol_code
    where protocols.protocol_code = {{ protocol_code() }}

)

select * from final
