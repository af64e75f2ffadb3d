-- Good practice from the case-system extract (optional file good_practice): the latest load's row
-- per good_practice_id, themes split into a list.

with

source as (

    select * from {{ source('raw', 'good_practice') }}

),

latest as (

    select *
    from source
    where good_practice_id is not null
    qualify row_number() over (
        partition by good_practice_id
        order by _load_id desc, _source_file desc, _source_row desc
    ) = 1

),

final as (

    select
        good_practice_id,
        recorded_on,
        iro_worker_id,
        team_id,
        regexp_extract_all(lower(coalesce(themes, '')), '[^;\s]+(?:[ \t]+[^;\s]+)*') as theme_codes,
        description,
        child_id,
        _load_id as load_id,
        _source_file as source_file,
        _source_row as source_row
    from latest

)

select * from final
