{#
    Fails on every row whose column is not greater than the previous row's within the partition,
    in the given order (strictly greater unless strictly=false).
#}
{% test is_increasing_within(model, column_name, partition_by, order_by, strictly=true) %}

with

ordered as (

    select
        {{ partition_by }} as partition_key,
        {{ column_name }} as checked_value,
        lag({{ column_name }}) over (
            partition by {{ partition_by }}
            order by {{ order_by }}
        ) as previous_value
    from {{ model }}
    where {{ column_name }} is not null

)

select *
from ordered
where previous_value is not null
    and checked_value {{ '<=' if strictly else '<' }} previous_value

{% endtest %}
