with

teams as (

    select * from {{ ref('stg_teams') }}

),

final as (

    select
        team_id,
        team_name,
        service_name,
        division_name,
        team_kind
    from teams

)

select * from final
