-- Escalations that ENTERED each step, per calendar month, team and legal status (a bypass into
-- stage 3 counts at stage 3 only), on a full grid so months with none show 0. The steps are those
-- of every version of the protocol in the build (a stage only an earlier version had still shows
-- its months).

with

episodes as (

    select * from {{ ref('fct_stage_episodes') }}

),

protocol_stages as (

    -- every step of every version in the build, once: named as the version in force on the
    -- as-at date names it, else as the latest version that has it
    select * from {{ ref('int_protocol_stages') }}
    qualify row_number() over (
        partition by stage_key
        order by is_current desc, effective_from desc
    ) = 1

),

months as (

    {{ month_spine('select min(entered_month) from episodes') }}

),

team_statuses as (

    select distinct
        team_id,
        team_name,
        service_name,
        legal_status
    from episodes

),

entries as (

    select
        entered_month,
        team_id,
        legal_status,
        stage_key,
        count(*) as entries
    from episodes
    group by entered_month, team_id, legal_status, stage_key

),

final as (

    select
        months.month_start,
        team_statuses.team_id,
        team_statuses.team_name,
        team_statuses.service_name,
        team_statuses.legal_status,
        protocol_stages.stage_key,
        protocol_stages.stage_number,
        protocol_stages.stage_label,
        protocol_stages.stage_name,
        protocol_stages.sort_order as stage_sort_order,
        cast(coalesce(entries.entries, 0) as integer) as entries
    from months
    cross join team_statuses
    cross join protocol_stages
    left join entries
        on
            months.month_start = entries.entered_month
            and team_statuses.team_id is not distinct from entries.team_id
            and team_statuses.legal_status = entries.legal_status
            and protocol_stages.stage_key = entries.stage_key

)

select * from final
