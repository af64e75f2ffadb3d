{#
    The as-at date of the build as a SQL date literal.

    var('as_at') is an ISO date (yyyy-mm-dd); empty means today (the UTC date the build
    started). Everything dated after it is ignored, and overdue flags are computed as at it, so
    `--vars '{"as_at": "2017-07-31"}'` reproduces the pack of July 2017.
#}
{% macro as_at_date() -%}
    {%- set value = var('as_at', '') -%}
    {%- if value is none or (value | string | trim) == '' -%}
        {%- set value = run_started_at.strftime('%Y-%m-%d') -%}
    {%- endif -%}
    {%- set value = value | string | trim -%}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', value) -%}
        {{ exceptions.raise_compiler_error("var as_at must be an ISO date (yyyy-mm-dd), got '" ~ value ~ "'") }}
    {%- endif -%}
    date '{{ modules.datetime.date(value[0:4] | int, value[5:7] | int, value[8:10] | int).isoformat() }}'
{%- endmacro %}


{#
    The build date (UTC) as a SQL date literal: anything dated after it is in the future and is
    listed in mart_data_quality_issues as future_dated.
#}
{% macro build_date() -%}
    date '{{ run_started_at.strftime('%Y-%m-%d') }}'
{%- endmacro %}


{# The protocol in force as a SQL string literal (var protocol, a protocol_code of seeds/protocols.csv). #}
{% macro protocol_code() -%}
    '{{ var('protocol', 'leicestershire') | string | trim | lower | replace("'", "''") }}'
{%- endmacro %}
