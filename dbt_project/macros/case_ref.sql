{#
    The pseudonymous case reference shown on screens and in packs instead of the case-system
    person id: 'C-' and the first 12 hex digits of SHA-256(key || child_id), upper case. The same
    value as warehouse.pseudonyms.pseudonym(child_id, key) (tests/dbt/test_dbt_case_ref.py checks
    every mart's case_ref against it).

    The key is the warehouse's secret ($IROQA_HOME/auth/pseudonym.key), given to dbt in the
    environment variable IROQA_PSEUDONYM_KEY (warehouse/build.py: dbt_env sets it). Without it, or
    with a value that is not 64 lower-case hex digits, the build FAILS: an unkeyed or guessable
    pseudonym can be reversed by trying every child id, so there is no default (docs/access.md).
    By hand: export IROQA_PSEUDONYM_KEY="$(cat "$IROQA_HOME/auth/pseudonym.key")".

    The key is written into the compiled SQL, so use this macro in TABLE models only (a view
    would store its SQL, key included, in the build file that every reader opens). dbt's compiled
    SQL, run results and debug log hold it too: they stay in the build's target and log folders
    under $IROQA_HOME, beside the key file itself.
#}
{% macro case_ref(child_id) -%}
    {%- if execute -%}
        {%- set key = env_var('IROQA_PSEUDONYM_KEY', '') -%}
        {%- if not modules.re.fullmatch('[0-9a-f]{64}', key) -%}
            {{ exceptions.raise_compiler_error(
                "IROQA_PSEUDONYM_KEY is "
                ~ ("not set" if key == '' else "not 64 lower-case hex digits")
                ~ ": case_ref needs the warehouse's pseudonym key. Build with `iroqa build`, or by hand"
                ~ " export IROQA_PSEUDONYM_KEY=\"$(cat \"$IROQA_HOME/auth/pseudonym.key\")\" (docs/access.md)."
            ) }}
        {%- endif -%}
    {%- else -%}
        {%- set key = '' -%}
    {%- endif -%}
    'C-' || upper(left(sha256('{{ key }}' || {{ child_id }}), 12))
{%- endmacro %}
