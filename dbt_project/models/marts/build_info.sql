with

protocol as (

    select * from {{ ref('int_protocol') }}

),

versions as (

    select
        cast(count(*) as integer) as protocol_version_count,
        cast(max(stage_count) as integer) as max_stage_count,
        string_agg(
            protocol_name || ' (from ' || strftime(effective_from, '%-d %b %Y') || ')', '; '
            order by effective_from
        ) as protocol_versions
    from protocol

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
        versions.max_stage_count as stage_count,
        versions.protocol_version_count,
        versions.protocol_versions,
        '{{ invocation_id }}' as invocation_id
    from protocol
    cross join versions
    where protocol.is_current

)

select * from final
