with

themes as (

    select * from {{ ref('themes') }}

),

final as (

    select
        theme_code,
        theme_label,
        theme_group
    from themes

)

select * from final
