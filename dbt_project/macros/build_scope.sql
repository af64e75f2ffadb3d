{#-
    Incremental builds by challenge (docs/adr/0002-write-back-and-live-builds.md, "Incremental
    builds"). A model configured with {{ incremental_by_challenge() }} is a table in a full build
    (a new file: nothing to increment). In the background rebuild after a save, the live build is
    copied and warehouse/build.py writes main.iroqa_build_scope: the ids of every challenge (case
    system, QA grade and app alike) of each child a save since the live build touched. The model
    then deletes those challenges' rows and inserts them anew, reading only their rows upstream
    (in_build_scope). The scope is closed under child, so anything a challenge's rows depend on
    (the child's other challenges, the app/extract pairing, which is by child) is in it.
-#}

{% macro incremental_by_challenge(column='challenge_id') -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_build_scope('" ~ column ~ "') }}",
    ) }}
{%- endmacro %}

{% macro build_scope_table() -%}
    {{ this.database }}.main.iroqa_build_scope
{%- endmacro %}

{#- A filter on a challenge id column: true in a full build (and in a unit test, which has no
    table to increment), "in the scope" in an incremental one. -#}
{% macro in_build_scope(column='challenge_id') -%}
    {%- if this is not none and is_incremental() -%}
        {{ column }} in (select challenge_id from {{ build_scope_table() }})
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{% macro delete_build_scope(column='challenge_id') -%}
    {%- if this is not none and is_incremental() -%}
        delete from {{ this }} where {{ in_build_scope(column) }}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
