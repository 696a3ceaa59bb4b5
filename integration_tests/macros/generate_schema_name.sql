{#- This project's seeds stand for tables a pipeline wrote outside dbt: they land in
    the schema named by +schema as is (`segment_prod`, `expected`), not prefixed with
    the target schema. Nodes of installed packages keep dbt's default naming. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is not none and node.package_name == project_name -%}
        {{ custom_schema_name | trim }}
    {%- else -%}
        {{ default__generate_schema_name(custom_schema_name, node) }}
    {%- endif -%}
{%- endmacro %}
