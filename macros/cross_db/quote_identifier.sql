{#- A name read from data (a raw table's column, a configured trait) as a quoted SQL
    identifier. The quote character inside the name is doubled, so no name can end the
    identifier early: adapter.quote() does not escape it. -#}

{% macro quote_identifier(name) -%}
    {{ return(adapter.dispatch('quote_identifier', 'idstitch')(name)) }}
{%- endmacro %}

{% macro default__quote_identifier(name) -%}
    {{ return('"' ~ (name | string | replace('"', '""')) ~ '"') }}
{%- endmacro %}

{% macro spark__quote_identifier(name) -%}
    {{ return('`' ~ (name | string | replace('`', '``')) ~ '`') }}
{%- endmacro %}
