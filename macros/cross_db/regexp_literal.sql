{#- A regular expression as a string literal of the engine, with the meaning it has in
    DuckDB (RE2): POSIX bracket classes are ASCII, `$` is the end of the text. Used by
    regexp_matches and regexp_remove. -#}

{% macro _regexp_literal(pattern) -%}
    {{ return(adapter.dispatch('regexp_literal', 'idstitch')(pattern)) }}
{%- endmacro %}

{% macro default__regexp_literal(pattern) -%}
    {{- return("'" ~ (pattern | replace("'", "''")) ~ "'") -}}
{%- endmacro %}

{% macro postgres__regexp_literal(pattern) -%}
    {#- POSIX classes follow the database's locale in PostgreSQL ([[:space:]] matches a
        no-break space under a UTF-8 locale or an ICU collation), but are ASCII in RE2 and
        Java: they are spelled out as ASCII ranges here, so '+33 6...' with a no-break
        space is the same phone, or not a phone, on every engine. -#}
    {%- set text = idstitch._ascii_posix_classes(pattern, ' \\t\\n\\v\\f\\r', 'postgres') -%}
    {{- return("'" ~ (text | replace("'", "''")) ~ "'") -}}
{%- endmacro %}

{% macro spark__regexp_literal(pattern) -%}
    {#- Spark uses java.util.regex, which has no POSIX bracket classes: inside [...],
        `[:space:]` is a nested class of the letters s, p, a, c, e and ':'. They are
        translated to their ASCII Java equivalents. A final `$` becomes `\z`, since
        Java's `$` also matches before a trailing line terminator. Backslashes and
        quotes are escaped for Spark's string literals (which read backslash escapes). -#}
    {%- set ns = namespace(text=idstitch._ascii_posix_classes(pattern, '\\s', 'spark')) -%}
    {%- if modules.re.search('(^|[^\\\\])(\\\\\\\\)*\\$$', ns.text) -%}
        {%- set ns.text = ns.text[:-1] ~ '\\z' -%}
    {%- endif -%}
    {{- return("'" ~ (ns.text | replace('\\', '\\\\') | replace("'", "\\'")) ~ "'") -}}
{%- endmacro %}


{% macro _ascii_posix_classes(pattern, space, engine) -%}
    {#- The pattern with its POSIX bracket classes spelled out as ASCII, as RE2 (DuckDB)
        reads them; `space` is how the engine spells [:space:]. For engines whose classes
        differ (PostgreSQL: locale-dependent; Spark/Java: none). Fails at compile time on
        a class not in the table, naming the engine. -#}
    {%- set ascii = {
        '[:space:]': space, '[:blank:]': ' \\t', '[:digit:]': '0-9', '[:alpha:]': 'A-Za-z',
        '[:alnum:]': '0-9A-Za-z', '[:upper:]': 'A-Z', '[:lower:]': 'a-z',
        '[:xdigit:]': '0-9A-Fa-f',
    } -%}
    {%- set ns = namespace(text=pattern | string) -%}
    {%- for name, spelled in ascii.items() -%}
        {%- set ns.text = ns.text | replace(name, spelled) -%}
    {%- endfor -%}
    {%- if modules.re.search('\\[:[a-z]+:\\]', ns.text) -%}
        {{- exceptions.raise_compiler_error(
            "idstitch: the regular expression `" ~ pattern ~ "` uses a POSIX class that "
            ~ engine ~ "__ does not translate; add it to idstitch._ascii_posix_classes.") -}}
    {%- endif -%}
    {{- return(ns.text) -}}
{%- endmacro %}
