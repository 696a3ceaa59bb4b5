{#- Which identifier of a person is the canonical one (it names the person). -#}

{% macro identifier_precedence_rank(type_expr) -%}
    {#- Integer rank, 0 = highest, from var idstitch_identifier_precedence. '*' stands
        for every type not listed; types not listed and no '*' rank after all listed. -#}
    {%- set order = var('idstitch_identifier_precedence') -%}
    {%- if order | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "idstitch: var idstitch_identifier_precedence must list at least one type") }}
    {%- endif -%}
    {%- set wildcard = order.index('*') if '*' in order else order | length -%}
    case {{ type_expr }}
        {%- for identifier_type in order %}
        {%- if identifier_type != '*' %}
        when '{{ identifier_type }}' then {{ loop.index0 }}
        {%- endif %}
        {%- endfor %}
        else {{ wildcard }}
    end
{%- endmacro %}


{% macro canonical_order(type_column, value_column, first_seen_column) -%}
    {#- The `order by` list of the canonical choice within a component, best first:
        highest precedence (identifier_precedence_rank), then type name in byte order,
        then first seen (never seen last), then the smaller value in byte order. -#}
    {{ idstitch.identifier_precedence_rank(type_column) }} asc,
                {{ idstitch.binary_order(type_column) }} asc,
                {{ first_seen_column }} asc nulls last,
                {{ idstitch.binary_order(value_column) }} asc
{%- endmacro %}
