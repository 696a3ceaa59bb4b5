{#- The integer key later steps join events on. -#}

{% macro event_key(event_type_expr, event_id_expr) -%}
    {#- 64-bit integer key of an event, (event_type, message id) hashed with the same
        function as node ids. Tested unique on the deduplicated events, so a collision
        fails the build rather than merging two events. -#}
    {{ return(idstitch.node_hash(dbt.concat([event_type_expr, "':'", event_id_expr]))) }}
{%- endmacro %}
