{#- A text with every match of a regular expression removed (see _regexp_literal). -#}

{% macro regexp_remove(expr, pattern) -%}
    {{ return(adapter.dispatch('regexp_remove', 'idstitch')(expr, pattern)) }}
{%- endmacro %}

{% macro default__regexp_remove(expr, pattern) -%}
    regexp_replace({{ expr }}, {{ idstitch._regexp_literal(pattern) }}, '', 'g')
{%- endmacro %}

{% macro spark__regexp_remove(expr, pattern) -%}
    {#- Spark's regexp_replace replaces every match and takes no flags. -#}
    regexp_replace({{ expr }}, {{ idstitch._regexp_literal(pattern) }}, '')
{%- endmacro %}
