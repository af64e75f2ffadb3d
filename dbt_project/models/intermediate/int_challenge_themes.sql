-- One row per valid challenge and theme code recorded on it (first mention kept), with whether
-- the code is in the taxonomy. Unknown codes are left out of the counts and listed in
-- mart_data_quality_issues.

{{ incremental_by_challenge() }}

with

challenges as (

    select * from {{ ref('int_challenges') }}
    where {{ in_build_scope() }}

),

themes as (

    select * from {{ ref('themes') }}

),

exploded as (

    select
        challenge_id,
        unnest(theme_codes) as theme_code,
        generate_subscripts(theme_codes, 1) as theme_position
    from challenges
    where is_valid

),

deduplicated as (

    select *
    from exploded
    qualify row_number() over (
        partition by challenge_id, theme_code
        order by theme_position
    ) = 1

),

final as (

    select
        deduplicated.challenge_id,
        deduplicated.theme_code,
        cast(deduplicated.theme_position as integer) as theme_position,
        themes.theme_code is not null as is_known_theme,
        themes.theme_label,
        themes.theme_group
    from deduplicated
    left join themes
        on deduplicated.theme_code = themes.theme_code

)

select * from final
