with

protocol_stages as (

    select * from {{ ref('int_protocol_stages') }}

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
        stage_number,
        stage_name,
        stage_label,
        responder_role,
        response_working_days,
        is_formal,
        is_cafcass,
        goes_to_challenge_meeting,
        theme_stage_group,
        sort_order
    from protocol_stages

)

select * from final
