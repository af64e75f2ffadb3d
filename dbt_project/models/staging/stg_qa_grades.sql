with

source as (

    select * from {{ source('raw', 'qa_grades') }}

),

latest as (

    select *
    from source
    where grade_id is not null
    qualify row_number() over (
        partition by grade_id
        order by _load_id desc, _source_file desc, _source_row desc
    ) = 1

),

final as (

    select
        grade_id,
        child_id,
        graded_on,
        iro_worker_id,
        grade,
        challenge_id,
        _load_id as load_id,
        _source_file as source_file,
        _source_row as source_row
    from latest

)

select * from final
