with

source as (

    select * from {{ source('raw', 'children') }}

),

latest as (

    select *
    from source
    where child_id is not null
    qualify row_number() over (
        partition by child_id
        order by _load_id desc, _source_file desc, _source_row desc
    ) = 1

),

final as (

    select
        child_id,
        legal_status,
        date_of_birth,
        gender,
        allocated_worker_id,
        _load_id as load_id,
        _source_file as source_file,
        _source_row as source_row
    from latest

)

select * from final
