{#- The integer key later steps join events on. -#}

{% macro event_key(event_type_expr, event_id_expr, source_name_expr) -%}
    {#- 64-bit integer key of an event, hashed with the same function as node ids: of
        (event_type, message id) when one source is read (var idstitch_sources not set:
        the keys of earlier releases), of (source_name, event_type, message id) when var
        idstitch_sources is set, so one message id in two sources is two events. Tested
        unique on the deduplicated events, so a collision fails the build rather than
        merging two events. -#}
    {%- if idstitch.several_sources() -%}
        {{- return(idstitch.node_hash(dbt.concat([source_name_expr, "':'", event_type_expr, "':'", event_id_expr]))) -}}
    {%- endif -%}
    {{- return(idstitch.node_hash(dbt.concat([event_type_expr, "':'", event_id_expr]))) -}}
{%- endmacro %}
