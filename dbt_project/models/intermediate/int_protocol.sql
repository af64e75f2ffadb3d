-- The versions of the protocol family chosen by var protocol (docs/protocols.md, "Protocols that
-- change over time"): one row per row of seeds/protocols.csv with that protocol_code, each in
-- force from its effective_from (empty: from the start, var date_floor) to the day before the
-- next version's. Each challenge follows the version in force on the day it was raised. None if
-- the code is not in the seed (the row_count_at_least test then stops the build with a clear
-- message).

with

protocols as (

    select * from {{ ref('protocols') }}

),

protocol_stages as (

    select * from {{ ref('protocol_stages') }}

),

stage_counts as (

    select
        protocol_code,
        coalesce(effective_from, date '{{ var("date_floor") }}') as effective_from,
        cast(count(*) as integer) as stage_count
    from protocol_stages
    group by all

),

versions as (

    select
        *,
        coalesce(effective_from, date '{{ var("date_floor") }}') as version_from
    from protocols
    where protocol_code = {{ protocol_code() }}

),

dated as (

    select
        versions.*,
        coalesce(
            cast(lead(versions.version_from) over (order by versions.version_from) - interval 1 day as date),
            date '{{ var("calendar_end") }}'
        ) as version_until,
        row_number() over (order by versions.version_from) as version_number,
        count(*) over () as version_count
    from versions

),

final as (

    select
        dated.protocol_code,
        dated.protocol_code || '@' || strftime(dated.version_from, '%Y-%m-%d') as protocol_version_id,
        dated.version_from as effective_from,
        dated.version_until as effective_until,
        cast(dated.version_number as integer) as version_number,
        cast(dated.version_count as integer) as version_count,
        -- the version in force on the as-at date (the first version if the as-at date is before it)
        coalesce(
            {{ as_at_date() }} between dated.version_from and dated.version_until
            or (dated.version_number = 1 and {{ as_at_date() }} < dated.version_from),
            false
        ) as is_current,
        dated.name as protocol_name,
        dated.informal_tier_name,
        dated.informal_responder_role,
        dated.informal_response_working_days,
        dated.formal_cap_working_days,
        dated.bypass_allowed,
        dated.cafcass_mode,
        dated.cafcass_stage_number,
        dated.qa_inadequate_trigger_stage,
        dated.looked_after_only_cafcass,
        coalesce(stage_counts.stage_count, 0) as stage_count
    from dated
    left join stage_counts
        on
            dated.protocol_code = stage_counts.protocol_code
            and dated.version_from = stage_counts.effective_from

)

select * from final
