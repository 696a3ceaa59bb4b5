{#- Trims spaces, tabs, carriage returns and newlines on both sides of a text. -#}

{% macro trim_whitespace(expr) -%}
    {{ return(adapter.dispatch('trim_whitespace', 'idstitch')(expr)) }}
{%- endmacro %}

{% macro default__trim_whitespace(expr) -%}
    btrim({{ expr }}, E' \t\r\n')
{%- endmacro %}

{% macro duckdb__trim_whitespace(expr) -%}
    trim({{ expr }}, e' \t\r\n')
{%- endmacro %}

{% macro spark__trim_whitespace(expr) -%}
    {#- Spark string literals read backslash escapes, so these are the four characters. -#}
    trim(both ' \t\r\n' from {{ expr }})
{%- endmacro %}
