with

protocol as (

    select * from {{ ref('int_protocol') }}

),

final as (

    select
        {{ as_at_date() }} as as_at,
        protocol.protocol_code,
        protocol.protocol_name,
        protocol.informal_tier_name,
        protocol.cafcass_mode,
        protocol.formal_cap_working_days,
        timezone('UTC', current_timestamp) as built_at,
        cast(protocol.stage_count as integer) as stage_count,
        '{{ invocation_id }}' as invocation_id
    from protocol

)

select * from final
