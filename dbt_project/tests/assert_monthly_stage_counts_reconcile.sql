-- The monthly table's totals are true sums: for every step, the entries over all months, teams
-- and legal statuses equal the stage episodes that entered it. Returns every step that differs.

with

counts as (

    select
        stage_key,
        sum(entries) as entries
    from {{ ref('mart_monthly_stage_counts') }}
    group by stage_key

),

episodes as (

    select
        stage_key,
        count(*) as episodes
    from {{ ref('fct_stage_episodes') }}
    group by stage_key

),

final as (

    select
        coalesce(counts.stage_key, episodes.stage_key) as stage_key,
        coalesce(counts.entries, 0) as entries,
        coalesce(episodes.episodes, 0) as episodes
    from counts
    full outer join episodes
        on counts.stage_key = episodes.stage_key
    where coalesce(counts.entries, 0) <> coalesce(episodes.episodes, 0)

)

select * from final
