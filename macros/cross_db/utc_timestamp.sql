{#- A `timestamp with time zone` as the UTC wall-clock `timestamp`. -#}

{% macro utc_timestamp(expr) -%}
    {{ return(adapter.dispatch('utc_timestamp', 'idstitch')(expr)) }}
{%- endmacro %}

{% macro default__utc_timestamp(expr) -%}
    ({{ expr }} at time zone 'UTC')
{%- endmacro %}

{% macro duckdb__utc_timestamp(expr) -%}
    timezone('UTC', {{ expr }})
{%- endmacro %}
