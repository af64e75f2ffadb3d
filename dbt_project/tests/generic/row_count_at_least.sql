{# Fails (one row) unless the model has at least `minimum` rows. #}
{% test row_count_at_least(model, minimum) %}

select
    count(*) as actual_rows,
    {{ minimum }} as minimum_rows
from {{ model }}
having count(*) < {{ minimum }}

{% endtest %}
