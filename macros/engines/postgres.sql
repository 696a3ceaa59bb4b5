{#- PostgreSQL variants of the dispatched idstitch macros (dbt-postgres, PostgreSQL 12+).
    default__ is PostgreSQL flavoured already; these exist only where PostgreSQL gives
    another answer than DuckDB for the same SQL. -#}

{# ---- regular expressions ------------------------------------------------- #}
{% macro _postgres_regex(pattern) -%}
    {#- A pattern as a PostgreSQL string literal, with the same meaning as in DuckDB (RE2).
        POSIX classes follow the database's locale in PostgreSQL ([[:space:]] matches a
        no-break space under a UTF-8 locale or an ICU collation), but are ASCII in RE2 and
        Java: they are spelled out as ASCII ranges here, so '+33 6...' with a no-break
        space is the same phone, or not a phone, on every engine. -#}
    {%- set text = idstitch._ascii_posix_classes(pattern, ' \\t\\n\\v\\f\\r', 'postgres') -%}
    {{- return("'" ~ (text | replace("'", "''")) ~ "'") -}}
{%- endmacro %}


{% macro postgres__regexp_matches(expr, pattern) -%}
    ({{ expr }} ~ {{ idstitch._postgres_regex(pattern) }})
{%- endmacro %}


{% macro postgres__regexp_remove(expr, pattern) -%}
    regexp_replace({{ expr }}, {{ idstitch._postgres_regex(pattern) }}, '', 'g')
{%- endmacro %}
