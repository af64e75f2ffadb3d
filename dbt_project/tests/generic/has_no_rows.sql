{#
    Fails on every row of the model (optionally filtered with the `where` config).
    Used with severity warn on mart_data_quality_issues: the build passes, the warning is seen.
#}
{% test has_no_rows(model) %}

select *
from {{ model }}

{% endtest %}
