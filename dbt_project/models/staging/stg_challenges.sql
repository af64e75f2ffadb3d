with

source as (

    select * from {{ source('raw', 'challenges') }}

),

latest as (

    select *
    from source
    where challenge_id is not null
    qualify row_number() over (
        partition by challenge_id
        order by _load_id desc, _source_file desc, _source_row desc
    ) = 1

),

final as (

    select
        challenge_id,
        child_id,
        raised_on,
        raised_by_worker_id,
        social_worker_id,
        team_id,
        legal_status,
        context,
        route,
        entry_stage,
        themes,
        -- the ';'-joined codes as a list: lower case, each trimmed, blanks dropped, order kept
        regexp_extract_all(lower(coalesce(themes, '')), '[^;\s]+(?:[ \t]+[^;\s]+)*') as theme_codes,
        concern,
        raised_with_worker_id,
        _load_id as load_id,
        _source_file as source_file,
        _source_row as source_row
    from latest

)

select * from final
