{#- A text with every match of a regular expression (see _regexp_literal) replaced by a
    replacement that may name the pattern's groups as \1 to \9. -#}

{% macro regexp_substitute(expr, pattern, replacement) -%}
    {{ return(adapter.dispatch('regexp_substitute', 'idstitch')(expr, pattern, replacement)) }}
{%- endmacro %}

{% macro default__regexp_substitute(expr, pattern, replacement) -%}
    {#- DuckDB (RE2) and PostgreSQL: \1 names a group; 'g' replaces every match. -#}
    regexp_replace({{ expr }}, {{ idstitch._regexp_literal(pattern) }}, '{{ replacement | replace("'", "''") }}', 'g')
{%- endmacro %}

{% macro spark__regexp_substitute(expr, pattern, replacement) -%}
    {#- Spark (java.util.regex) names a group $1 and replaces every match; a literal `$`
        or backslash in the replacement is escaped for Java, then for the string literal. -#}
    {%- set java = modules.re.sub('\\\\([1-9])', '$\\1', replacement | replace('$', '\\$')) -%}
    regexp_replace({{ expr }}, {{ idstitch._regexp_literal(pattern) }}, '{{ java | replace('\\', '\\\\') | replace("'", "\\'") }}')
{%- endmacro %}
