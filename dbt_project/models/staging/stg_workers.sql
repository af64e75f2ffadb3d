with

source as (

    select * from {{ source('raw', 'workers') }}

),

latest as (

    select *
    from source
    where worker_id is not null and team_id is not null and valid_from is not null
    qualify row_number() over (
        partition by worker_id, team_id, valid_from
        order by _load_id desc, _source_file desc, _source_row desc
    ) = 1

),

final as (

    select
        worker_id,
        worker_name,
        role,
        team_id,
        valid_from,
        valid_to,
        nullif(trim(email), '') as email,
        _load_id as load_id,
        _source_file as source_file,
        _source_row as source_row
    from latest

)

select * from final
