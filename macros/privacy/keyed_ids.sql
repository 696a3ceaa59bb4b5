{#- The ids the models derive from identifiers (var idstitch_encrypt).

    Without encryption, a node id is the package's 64-bit node hash of 'type:value'
    (idstitch.node_hash) and a person id the md5 of its anchor's 'type:value'
    (idstitch.person_hash): anyone who can guess an identifier can compute them. With
    encryption on both are keyed with the index key (HMAC-SHA256, the plugin's
    idstitch_hmac, as identifier_hash): the person id is `h1:<hex>` of the same anchor
    'type:value', the node id the first 64 bits of that HMAC. A reader without the
    master key cannot brute-force them from a list of known emails or phones. Unit
    tests (fixture rows, no key store among their inputs) keep the unkeyed ids. -#}

{% macro _keyed_ids() -%}
    {{- return(idstitch.encryption_enabled() and model.resource_type != 'unit_test') -}}
{%- endmacro %}

{% macro person_id(type_expr, value_expr) -%}
    {#- int_idstitch__identifiers_resolved.person_id of a person's anchor identifier. -#}
    {%- if idstitch._keyed_ids() -%}
        {{ return(idstitch.identifier_hash(type_expr, value_expr, idstitch.index_key_sql())) }}
    {%- else -%}
        {{ return(idstitch.person_hash(dbt.concat([type_expr, "':'", value_expr]))) }}
    {%- endif -%}
{%- endmacro %}


{% macro node_id(type_expr, value_expr) -%}
    {#- int_idstitch__identifier_values_normalised.node_id of a normalised identifier. -#}
    {%- if idstitch._keyed_ids() -%}
        {{ return(adapter.dispatch('keyed_node_id', 'idstitch')(type_expr, value_expr)) }}
    {%- else -%}
        {{ return(idstitch.node_hash(dbt.concat([type_expr, "':'", value_expr]))) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__keyed_node_id(type_expr, value_expr) -%}
    {{ idstitch.default__protect(value_expr, 'node_id', none, none) }}
{%- endmacro %}

{% macro duckdb__keyed_node_id(type_expr, value_expr) -%}
    {#- the first 16 hex digits of `h1:<64 hex>` as UBIGINT, the type of md5_number_lower -#}
    cast(
        '0x' || substr({{ idstitch.duckdb__identifier_hash(type_expr, value_expr, idstitch.index_key_sql()) }}, 4, 16)
        as ubigint
    )
{%- endmacro %}
