{#- Text in byte order, so ties break the same way on every engine. -#}

{% macro binary_order(expr) -%}
    {{ return(adapter.dispatch('binary_order', 'idstitch')(expr)) }}
{%- endmacro %}

{% macro default__binary_order(expr) -%}
    {{ expr }}
{%- endmacro %}

{% macro postgres__binary_order(expr) -%}
    {#- PostgreSQL compares text by the column's collation; "C" is byte order. -#}
    {{ expr }} collate "C"
{%- endmacro %}
