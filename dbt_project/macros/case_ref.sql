{#
    The pseudonymous case reference shown on screens and in packs instead of the case-system
    person id: 'C-' and the first 8 hex digits of md5('iroqa:' || child_id), upper case.
#}
{% macro case_ref(child_id) -%}
    'C-' || upper(left(md5('iroqa:' || {{ child_id }}), 8))
{%- endmacro %}
