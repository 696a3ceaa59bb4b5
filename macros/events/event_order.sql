{#- The order events happen in, for anchors and merges (docs/contract.md, "Persons"). -#}

{% macro event_order(received_at_expr, event_type_expr, event_id_expr, source_name_expr) -%}
    {#- The `order by` list of the event order: received first (never received last),
        then event type, then source name, then message id, all three in byte order. Total
        on deduplicated events: (source_name, event_type, event_id) is their key. -#}
    {{ received_at_expr }} asc nulls last,
                {{ idstitch.binary_order(event_type_expr) }} asc,
                {{ idstitch.binary_order(source_name_expr) }} asc,
                {{ idstitch.binary_order(event_id_expr) }} asc
{%- endmacro %}
