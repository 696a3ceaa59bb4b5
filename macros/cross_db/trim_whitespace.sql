{#- Trims white space and invisible characters on both sides of a text: the ASCII spaces
    (space, tab, newline, vertical tab, form feed, carriage return), the Unicode spaces
    (next line U+0085, no-break U+00A0, ogham U+1680, U+2000-U+200A, line and paragraph
    separators U+2028/U+2029, narrow no-break U+202F, U+205F, ideographic U+3000), the
    zero-width characters (U+200B-U+200D, word joiner U+2060, byte order mark U+FEFF) and
    the direction marks (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069). Only at
    the ends: inside a value they are kept. The list is _trimmed_code_points(); each
    engine writes it in its own string syntax. -#}

{% macro trim_whitespace(expr) -%}
    {{ return(adapter.dispatch('trim_whitespace', 'idstitch')(expr)) }}
{%- endmacro %}

{% macro is_blank(expr) -%}
    {#- Boolean SQL: the text is null or nothing is left of it after trim_whitespace. Every
        trimmed character is outside printable ASCII (33-126), so a text starting with one
        is not blank: the common case skips the trim. A case, not an `and`: engines
        evaluate both sides of a boolean operator over a whole batch of rows, a case's
        branches only for the rows that reach them. -#}
    (case
        when {{ expr }} is null then true
        when ascii({{ expr }}) between 33 and 126 then false
        else {{ idstitch.trim_whitespace(expr) }} = ''
    end)
{%- endmacro %}

{% macro _trimmed_code_points() -%}
    {%- set points = [32, 9, 10, 11, 12, 13, 133, 160, 5760, 8232, 8233, 8239, 8287, 12288,
        8203, 8204, 8205, 8288, 65279, 1564, 8206, 8207] -%}
    {%- for point in range(8192, 8203) -%}{%- do points.append(point) -%}{%- endfor -%}
    {%- for point in range(8234, 8239) -%}{%- do points.append(point) -%}{%- endfor -%}
    {%- for point in range(8294, 8298) -%}{%- do points.append(point) -%}{%- endfor -%}
    {{- return(points) -}}
{%- endmacro %}

{% macro default__trim_whitespace(expr) -%}
    {#- PostgreSQL: \uXXXX escapes in an E'' string (a UTF-8 database). -#}
    {%- set escaped = [] -%}
    {%- for point in idstitch._trimmed_code_points() -%}
        {%- do escaped.append('\\u%04X' | format(point)) -%}
    {%- endfor -%}
    btrim({{ expr }}, E'{{ escaped | join("") }}')
{%- endmacro %}

{% macro duckdb__trim_whitespace(expr) -%}
    {#- DuckDB string literals read no escapes: the characters are spelled with chr().
        DuckDB's trim with a character list costs about 2 microseconds a value; a text that
        starts and ends with printable ASCII (no trimmed character is one) is returned as it
        is, which a regular expression decides ten times faster. -#}
    {%- set chars = [] -%}
    {%- for point in idstitch._trimmed_code_points() -%}
        {%- do chars.append('chr(' ~ point ~ ')') -%}
    {%- endfor -%}
    case
        when regexp_matches({{ expr }}, '^[!-~](.*[!-~])?$', 's') then {{ expr }}
        else trim({{ expr }}, {{ chars | join(' || ') }})
    end
{%- endmacro %}

{% macro spark__trim_whitespace(expr) -%}
    {#- Spark string literals read \uXXXX escapes. -#}
    {%- set escaped = [] -%}
    {%- for point in idstitch._trimmed_code_points() -%}
        {%- do escaped.append('\\u%04X' | format(point)) -%}
    {%- endfor -%}
    trim(both '{{ escaped | join("") }}' from {{ expr }})
{%- endmacro %}
