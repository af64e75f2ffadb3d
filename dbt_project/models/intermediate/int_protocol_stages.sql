-- The steps of each version of the protocol family in the build (int_protocol), one row per
-- version and stage_key: the informal tier (stage 0), each formal stage, and under a concurrent
-- CAFCASS version the CAFCASS referral (no stage number).

with

protocol as (

    select * from {{ ref('int_protocol') }}

),

protocol_stages as (

    select * from {{ ref('protocol_stages') }}

),

informal_tier as (

    select
        protocol.protocol_code,
        protocol.protocol_version_id,
        protocol.protocol_name,
        protocol.effective_from,
        protocol.effective_until,
        protocol.is_current,
        'informal' as stage_key,
        0 as stage_number,
        protocol.informal_tier_name as stage_name,
        protocol.informal_tier_name as stage_label,
        protocol.informal_responder_role as responder_role,
        protocol.informal_response_working_days as response_working_days,
        false as is_formal,
        false as is_cafcass,
        false as goes_to_challenge_meeting,
        'informal' as theme_stage_group,
        0 as sort_order
    from protocol

),

formal_stages as (

    select
        protocol.protocol_code,
        protocol.protocol_version_id,
        protocol.protocol_name,
        protocol.effective_from,
        protocol.effective_until,
        protocol.is_current,
        'stage_' || cast(protocol_stages.stage_number as varchar) as stage_key,
        protocol_stages.stage_number,
        protocol_stages.stage_name,
        case
            when protocol_stages.stage_number = protocol.cafcass_stage_number
                then 'Contact with CAFCASS'
            else 'Stage ' || cast(protocol_stages.stage_number as varchar)
        end as stage_label,
        nullif(trim(protocol_stages.responder_role), '') as responder_role,
        protocol_stages.response_working_days,
        true as is_formal,
        coalesce(protocol_stages.stage_number = protocol.cafcass_stage_number, false) as is_cafcass,
        protocol_stages.goes_to_challenge_meeting,
        -- themes are analysed for stage 1 and for stages 2 to 4 together (the Rotherham report)
        case
            when protocol_stages.stage_number = protocol.cafcass_stage_number then null
            when protocol_stages.stage_number = 1 then 'stage_1'
            else 'stages_2_4'
        end as theme_stage_group,
        protocol_stages.stage_number as sort_order
    from protocol
    inner join protocol_stages
        on
            protocol.protocol_code = protocol_stages.protocol_code
            and protocol.effective_from
            = coalesce(protocol_stages.effective_from, date '{{ var("date_floor") }}')

),

concurrent_cafcass as (

    select
        protocol.protocol_code,
        protocol.protocol_version_id,
        protocol.protocol_name,
        protocol.effective_from,
        protocol.effective_until,
        protocol.is_current,
        'cafcass' as stage_key,
        cast(null as integer) as stage_number,
        'Referral to CAFCASS' as stage_name,
        'Contact with CAFCASS' as stage_label,
        cast(null as varchar) as responder_role,
        cast(null as integer) as response_working_days,
        false as is_formal,
        true as is_cafcass,
        false as goes_to_challenge_meeting,
        cast(null as varchar) as theme_stage_group,
        99 as sort_order
    from protocol
    where protocol.cafcass_mode = 'concurrent'

),

unioned as (

    select * from informal_tier
    union all by name
    select * from formal_stages
    union all by name
    select * from concurrent_cafcass

),

final as (

    select
        protocol_code,
        protocol_version_id,
        protocol_name,
        effective_from,
        effective_until,
        is_current,
        stage_key,
        cast(stage_number as integer) as stage_number,
        stage_name,
        stage_label,
        responder_role,
        cast(response_working_days as integer) as response_working_days,
        is_formal,
        is_cafcass,
        goes_to_challenge_meeting,
        theme_stage_group,
        cast(sort_order as integer) as sort_order
    from unioned

)

select * from final
