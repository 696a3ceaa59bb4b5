{#- Whether a whole text matches a regular expression (see _regexp_literal). -#}

{% macro regexp_matches(expr, pattern) -%}
    {{ return(adapter.dispatch('regexp_matches', 'idstitch')(expr, pattern)) }}
{%- endmacro %}

{% macro default__regexp_matches(expr, pattern) -%}
    ({{ expr }} ~ {{ idstitch._regexp_literal(pattern) }})
{%- endmacro %}

{% macro duckdb__regexp_matches(expr, pattern) -%}
    regexp_full_match({{ expr }}, {{ idstitch._regexp_literal(pattern) }})
{%- endmacro %}

{% macro spark__regexp_matches(expr, pattern) -%}
    ({{ expr }} rlike {{ idstitch._regexp_literal(pattern) }})
{%- endmacro %}
