{#- Which identifier anchors a person: its id is the hash of the anchor
    (docs/contract.md, "Persons"). -#}

{% macro anchor_order(first_event_rank_expr, type_expr, value_expr) -%}
    {#- The `order by` list of the anchor choice, first first: the identifier whose first
        event comes first (`first_event_rank_expr`: the rank of that event in
        event_order), then, of several first seen in one event, the one of highest
        precedence (identifier_precedence_rank, then type name), then the smaller value,
        both in byte order. Total: (type, value) is an identifier's key. -#}
    {{ first_event_rank_expr }} asc,
                {{ idstitch.identifier_order(type_expr, value_expr) }}
{%- endmacro %}


{% macro identifier_order(type_expr, value_expr) -%}
    {#- The `order by` list of identifiers by precedence alone: highest precedence, then
        type name, then value, in byte order. Picks the anchor among identifiers first
        seen together, and the identifiers a merge names (person_merges). -#}
    {{ idstitch.identifier_precedence_rank(type_expr) }} asc,
                {{ idstitch.binary_order(type_expr) }} asc,
                {{ idstitch.binary_order(value_expr) }} asc
{%- endmacro %}
