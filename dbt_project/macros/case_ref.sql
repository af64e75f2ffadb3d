{#
    The pseudonymous case reference shown on screens and in packs instead of the case-system
    person id: 'C-' and the first 12 hex digits of SHA-256(key || child_id), upper case. The same
    value as warehouse.pseudonyms.pseudonym(child_id, key) (tests/dbt/test_dbt_case_ref.py checks
    every mart's case_ref against it).

    The key is the warehouse's secret ($IROQA_HOME/auth/pseudonym.key). It never appears in SQL
    text: the dbt-duckdb plugin warehouse/dbt_pseudonym.py (profiles.yml) attaches an in-memory
    database iroqa_secret to the build's connection with the key in table pseudonym, reading the key
    file named by IROQA_PSEUDONYM_KEY_FILE (warehouse/build.py: dbt_env sets it). So compiled SQL,
    manifest.json, run_results.json and dbt's log hold that name only (tests/warehouse/test_secrets.py).
    Without a valid key (64 lower-case hex digits) the build FAILS: an unkeyed or guessable
    pseudonym can be reversed by trying every child id, so there is no default (docs/access.md).
    By hand: export IROQA_PSEUDONYM_KEY_FILE="$IROQA_HOME/auth/pseudonym.key".

    Use this macro in TABLE models only: a view would read iroqa_secret when read, and the
    dashboard opens builds without the plugin.
#}
{% macro case_ref(child_id) -%}
    'C-' || upper(left(sha256((select pseudonym.key from iroqa_secret.pseudonym) || {{ child_id }}), 12))
{%- endmacro %}
