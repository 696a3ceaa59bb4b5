{#- Which identifiers are hubs, quarantined from linking (docs/contract.md, "Hubs"). -#}

{% macro hub_max_persons() -%}
    {#- var idstitch_hub_max_persons as an integer, or none when the quarantine is off
        (null). -#}
    {%- set limit = var('idstitch_hub_max_persons', none) -%}
    {{- return(none if limit is none else limit | int) -}}
{%- endmacro %}


{% macro counts_toward_hub(type_expr, linked_type_expr) -%}
    {#- Boolean SQL: an identifier of type `linked_type_expr` seen in an event with one of
        type `type_expr` counts toward that one being a hub: it is of strictly higher
        precedence (identifier_precedence_rank) and no anonymous_id, so it stands for a
        person (a customer's external id, email or phone) rather than a device. -#}
    ({{ linked_type_expr }} <> 'anonymous_id'
        and {{ idstitch.identifier_precedence_rank(linked_type_expr) }}
        < {{ idstitch.identifier_precedence_rank(type_expr) }})
{%- endmacro %}
