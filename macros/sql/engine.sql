{#- Engine differences, and nothing else. Spark and PostgreSQL variants live in
    macros/engines/.  Each public macro is a one-line dispatch;
    default__ holds the portable SQL (PostgreSQL flavoured), engine variants exist
    only where an engine really differs. -#}

{# ---- regular expressions ------------------------------------------------- #}
{% macro regexp_matches(expr, pattern) -%}
    {{ return(adapter.dispatch('regexp_matches', 'idstitch')(expr, pattern)) }}
{%- endmacro %}

{% macro default__regexp_matches(expr, pattern) -%}
    ({{ expr }} ~ '{{ pattern }}')
{%- endmacro %}

{% macro duckdb__regexp_matches(expr, pattern) -%}
    regexp_full_match({{ expr }}, '{{ pattern }}')
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


{% macro regexp_remove(expr, pattern) -%}
    {#- Removes every match of pattern. -#}
    {{ return(adapter.dispatch('regexp_remove', 'idstitch')(expr, pattern)) }}
{%- endmacro %}

{% macro default__regexp_remove(expr, pattern) -%}
    regexp_replace({{ expr }}, '{{ pattern }}', '', 'g')
{%- endmacro %}


{# ---- whitespace ---------------------------------------------------------- #}
{% macro trim_whitespace(expr) -%}
    {#- Trims spaces, tabs, carriage returns and newlines on both sides. -#}
    {{ return(adapter.dispatch('trim_whitespace', 'idstitch')(expr)) }}
{%- endmacro %}

{% macro default__trim_whitespace(expr) -%}
    btrim({{ expr }}, E' \t\r\n')
{%- endmacro %}

{% macro duckdb__trim_whitespace(expr) -%}
    trim({{ expr }}, e' \t\r\n')
{%- endmacro %}


{# ---- hashing ------------------------------------------------------------- #}
{% macro node_hash(expr) -%}
    {#- 64-bit integer hash used as the graph's node id. Engine-local (only compared
        within one build); collisions are detected by a test and fail the build. -#}
    {{ return(adapter.dispatch('node_hash', 'idstitch')(expr)) }}
{%- endmacro %}

{% macro default__node_hash(expr) -%}
    hashtextextended({{ expr }}, 0)
{%- endmacro %}

{% macro duckdb__node_hash(expr) -%}
    {#- Not DuckDB's hash(): it collides on structured strings of ~24+ characters
        (e.g. 'anonymous_id:g12:a0002990' and 'anonymous_id:g15:a0002920'). The low
        64 bits of md5 are uniformly distributed. -#}
    md5_number_lower({{ expr }})
{%- endmacro %}


{% macro person_hash(expr) -%}
    {#- The published person id: md5 hex, identical on every engine. -#}
    {{ return(adapter.dispatch('person_hash', 'idstitch')(expr)) }}
{%- endmacro %}

{% macro default__person_hash(expr) -%}
    {{ dbt.hash(expr) }}
{%- endmacro %}


{# ---- ordering of text ---------------------------------------------------- #}
{% macro binary_order(expr) -%}
    {#- Text in byte order, so ties break the same way on every engine. -#}
    {{ return(adapter.dispatch('binary_order', 'idstitch')(expr)) }}
{%- endmacro %}

{% macro default__binary_order(expr) -%}
    {{ expr }}
{%- endmacro %}

{% macro postgres__binary_order(expr) -%}
    {{ expr }} collate "C"
{%- endmacro %}


{# ---- newest non-null value ------------------------------------------------ #}
{% macro last_non_null(expr, order_by) -%}
    {#- Aggregate: the value of expr on the row with the greatest order_by (a list of
        expressions compared left to right, none of them null), ignoring null values. -#}
    {{ return(adapter.dispatch('last_non_null', 'idstitch')(expr, order_by)) }}
{%- endmacro %}

{% macro default__last_non_null(expr, order_by) -%}
    (array_agg({{ expr }} order by {{ order_by | join(' desc, ') }} desc)
        filter (where {{ expr }} is not null))[1]
{%- endmacro %}

{% macro duckdb__last_non_null(expr, order_by) -%}
    arg_max({{ expr }}, ({{ order_by | join(', ') }})) filter (where {{ expr }} is not null)
{%- endmacro %}


{# ---- event keys ----------------------------------------------------------- #}
{% macro event_key(event_type_expr, event_id_expr) -%}
    {#- 64-bit integer key of an event, (event_type, message id) hashed with the same
        function as node ids. Tested unique on the deduplicated events, so a collision
        fails the build rather than merging two events. -#}
    {{ return(idstitch.node_hash(dbt.concat([event_type_expr, "':'", event_id_expr]))) }}
{%- endmacro %}


{# ---- time zones ------------------------------------------------------------ #}
{% macro utc_timestamp(expr) -%}
    {#- A `timestamp with time zone` as the UTC wall-clock `timestamp`. -#}
    {{ return(adapter.dispatch('utc_timestamp', 'idstitch')(expr)) }}
{%- endmacro %}

{% macro default__utc_timestamp(expr) -%}
    ({{ expr }} at time zone 'UTC')
{%- endmacro %}

{% macro duckdb__utc_timestamp(expr) -%}
    timezone('UTC', {{ expr }})
{%- endmacro %}
