-- The children known to the service (the latest load's row per child), for the logging form's
-- checks (the child exists; CAFCASS only for looked-after children). Identifiers only, no names.

with

children as (

    select * from {{ ref('stg_children') }}

),

final as (

    select
        child_id,
        {{ case_ref('child_id') }} as case_ref,
        legal_status,
        allocated_worker_id
    from children

)

select * from final
