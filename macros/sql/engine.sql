{#- Engine differences, and nothing else. Each public macro is a one-line dispatch;
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

{% macro spark__regexp_matches(expr, pattern) -%}
    ({{ expr }} rlike '{{ pattern }}')
{%- endmacro %}


{% macro regexp_remove(expr, pattern) -%}
    {#- Removes every match of pattern. -#}
    {{ return(adapter.dispatch('regexp_remove', 'idstitch')(expr, pattern)) }}
{%- endmacro %}

{% macro default__regexp_remove(expr, pattern) -%}
    regexp_replace({{ expr }}, '{{ pattern }}', '', 'g')
{%- endmacro %}

{% macro spark__regexp_remove(expr, pattern) -%}
    regexp_replace({{ expr }}, '{{ pattern }}', '')
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

{% macro spark__trim_whitespace(expr) -%}
    trim(both ' \t\r\n' from {{ expr }})
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
    hash({{ expr }})
{%- endmacro %}

{% macro spark__node_hash(expr) -%}
    xxhash64({{ expr }})
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

{% macro spark__last_non_null(expr, order_by) -%}
    max_by({{ expr }}, struct({{ order_by | join(', ') }})) filter (where {{ expr }} is not null)
{%- endmacro %}
