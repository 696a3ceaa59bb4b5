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
    {%- set ascii = {
        '[:space:]': ' \\t\\n\\v\\f\\r', '[:blank:]': ' \\t', '[:digit:]': '0-9',
        '[:alpha:]': 'A-Za-z', '[:alnum:]': '0-9A-Za-z', '[:upper:]': 'A-Z',
        '[:lower:]': 'a-z', '[:xdigit:]': '0-9A-Fa-f',
    } -%}
    {%- set ns = namespace(text=pattern | string) -%}
    {%- for name, spelled in ascii.items() -%}
        {%- set ns.text = ns.text | replace(name, spelled) -%}
    {%- endfor -%}
    {%- if modules.re.search('\\[:[a-z]+:\\]', ns.text) -%}
        {{- exceptions.raise_compiler_error(
            "idstitch: the regular expression `" ~ pattern ~ "` uses a POSIX class that "
            ~ "postgres__ does not translate; add it to idstitch._postgres_regex.") -}}
    {%- endif -%}
    {{- return("'" ~ (ns.text | replace("'", "''")) ~ "'") -}}
{%- endmacro %}


{% macro postgres__regexp_matches(expr, pattern) -%}
    ({{ expr }} ~ {{ idstitch._postgres_regex(pattern) }})
{%- endmacro %}


{% macro postgres__regexp_remove(expr, pattern) -%}
    regexp_replace({{ expr }}, {{ idstitch._postgres_regex(pattern) }}, '', 'g')
{%- endmacro %}
