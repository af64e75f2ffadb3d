{#
    Fails on every row where `expression` is not true (false or null).
    On a column: the expression is appended to the column, e.g. expression: ">= 0".
    On a model: the expression stands alone, e.g. expression: "responded_on >= entered_on".
#}
{% test expression_is_true(model, expression, column_name=none) %}

select *
from {{ model }}
where not coalesce(({{ column_name if column_name is not none else '' }} {{ expression }}), false)

{% endtest %}
