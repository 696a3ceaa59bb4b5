{#- The published person id: md5 hex, identical on every engine (dbt.hash). -#}

{% macro person_hash(expr) -%}
    {{ dbt.hash(expr) }}
{%- endmacro %}
