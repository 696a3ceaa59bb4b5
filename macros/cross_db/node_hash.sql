{#- 64-bit integer hash used as the graph's node id. Engine-local (only compared
    within one build); collisions are detected by a test and fail the build. -#}

{% macro node_hash(expr) -%}
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

{% macro spark__node_hash(expr) -%}
    xxhash64({{ expr }})
{%- endmacro %}
