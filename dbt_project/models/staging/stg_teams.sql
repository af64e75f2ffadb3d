with

source as (

    select * from {{ source('raw', 'teams') }}

),

latest as (

    select *
    from source
    where team_id is not null
    qualify row_number() over (
        partition by team_id
        order by _load_id desc, _source_file desc, _source_row desc
    ) = 1

),

final as (

    select
        team_id,
        team_name,
        service_name,
        division_name,
        team_kind,
        _load_id as load_id,
        _source_file as source_file,
        _source_row as source_row
    from latest

)

select * from final
