{#- `expr in (values)`, values being literal strings. -#}

{% macro in_list(expr, values) -%}
    {{ return(adapter.dispatch('in_list', 'idstitch')(expr, values)) }}
{%- endmacro %}

{% macro default__in_list(expr, values) -%}
    {%- set quoted = [] -%}
    {%- for value in values -%}
        {%- do quoted.append("'" ~ (value | replace("'", "''")) ~ "'") -%}
    {%- endfor -%}
    {{ expr }} in ({{ quoted | join(', ') }})
{%- endmacro %}

{% macro duckdb__in_list(expr, values) -%}
    {#- list_contains avoids DuckDB turning a long IN list into a mark join. -#}
    {%- set quoted = [] -%}
    {%- for value in values -%}
        {%- do quoted.append("'" ~ (value | replace("'", "''")) ~ "'") -%}
    {%- endfor -%}
    list_contains([{{ quoted | join(', ') }}], {{ expr }})
{%- endmacro %}
