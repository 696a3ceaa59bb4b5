{#- Aggregate: the value of expr on the row with the greatest order_by (a list of
    expressions compared left to right, none of them null), ignoring null values. -#}

{% macro last_non_null(expr, order_by) -%}
    {{ return(adapter.dispatch('last_non_null', 'idstitch')(expr, order_by)) }}
{%- endmacro %}

{% macro default__last_non_null(expr, order_by) -%}
    (array_agg({{ expr }} order by {{ order_by | join(' desc, ') }} desc)
        filter (where {{ expr }} is not null))[1]
{%- endmacro %}

{% macro duckdb__last_non_null(expr, order_by) -%}
    arg_max({{ expr }}, ({{ order_by | join(', ') }})) filter (where {{ expr }} is not null)
{%- endmacro %}

{% macro spark__last_non_null(expr, order_by) -%}
    {#- max_by over a struct of the ordering keys. Spark orders a null struct field
        below every value, DuckDB (arg_max over a row) and PostgreSQL (order by ... desc)
        above: each key is preceded by `key is null` so that a null ranks highest here too. -#}
    {%- set keys = [] -%}
    {%- for key in order_by -%}
        {%- do keys.append('(' ~ key ~ ') is null') -%}
        {%- do keys.append(key) -%}
    {%- endfor -%}
    max_by({{ expr }}, struct({{ keys | join(', ') }})) filter (where {{ expr }} is not null)
{%- endmacro %}
