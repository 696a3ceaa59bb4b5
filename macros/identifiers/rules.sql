{#- The identifier rules of DESIGN.md, in one place. Every macro returns SQL over a
    text expression; all of them go through adapter.dispatch so an engine can
    override one without touching the models. -#}

{% macro email_pattern() -%}
    {#- A userId matching this is an email address and is typed `email`. -#}
    {{- return('^[^@[:space:]]+@[^@[:space:]]+[.][^@[:space:]]+$') -}}
{%- endmacro %}


{% macro normalise_identifier(identifier_type, expr) -%}
    {{ return(adapter.dispatch('normalise_identifier', 'idstitch')(identifier_type, expr)) }}
{%- endmacro %}

{% macro default__normalise_identifier(identifier_type, expr) -%}
    {#- identifier_type is a literal type name known at compile time. -#}
    {%- if identifier_type == 'email' -%}
        lower({{ idstitch.trim_whitespace(expr) }})
    {%- elif identifier_type == 'phone' -%}
        {{ idstitch.regexp_remove(expr, '[[:space:]+.()-]') }}
    {%- else -%}
        {{ idstitch.trim_whitespace(expr) }}
    {%- endif -%}
{%- endmacro %}


{% macro rejection_reason(identifier_type, raw_expr, normalised_expr) -%}
    {{ return(adapter.dispatch('rejection_reason', 'idstitch')(identifier_type, raw_expr, normalised_expr)) }}
{%- endmacro %}

{% macro default__rejection_reason(identifier_type, raw_expr, normalised_expr) -%}
    {#- Why a candidate value is no identifier, or null when it is one:
        `empty` (nothing left after trimming), `blocked` (var idstitch_blocked_values,
        case-insensitive, or only '0' and '-' characters; checked on the trimmed raw
        value and on the normalised value), `invalid_phone` (not 7+ digits). -#}
    {%- set blocked = [] -%}
    {%- for value in var('idstitch_blocked_values') -%}
        {%- do blocked.append("'" ~ (value | lower | replace("'", "''")) ~ "'") -%}
    {%- endfor -%}
    {%- set trimmed = idstitch.trim_whitespace(raw_expr) -%}
    case
        when {{ trimmed }} = '' or {{ normalised_expr }} = '' then 'empty'
        when lower({{ trimmed }}) in ({{ blocked | join(', ') }})
            or lower({{ normalised_expr }}) in ({{ blocked | join(', ') }})
            or {{ idstitch.regexp_matches(trimmed, '^[0-]+$') }}
            or {{ idstitch.regexp_matches(normalised_expr, '^[0-]+$') }}
            then 'blocked'
        {%- if identifier_type == 'phone' %}
        when not {{ idstitch.regexp_matches(normalised_expr, '^[0-9]{7,}$') }} then 'invalid_phone'
        {%- endif %}
    end
{%- endmacro %}


{% macro identifier_precedence_rank(type_expr) -%}
    {{ return(adapter.dispatch('identifier_precedence_rank', 'idstitch')(type_expr)) }}
{%- endmacro %}

{% macro default__identifier_precedence_rank(type_expr) -%}
    {#- Integer rank, 0 = highest, from var idstitch_identifier_precedence. '*' stands
        for every type not listed; types not listed and no '*' rank after all listed.
        Ties within a rank are broken by type name (alphabetical), then first seen. -#}
    {%- set order = var('idstitch_identifier_precedence') -%}
    {%- if order | length == 0 -%}
        {{ exceptions.raise_compiler_error("idstitch: var idstitch_identifier_precedence must list at least one type") }}
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
