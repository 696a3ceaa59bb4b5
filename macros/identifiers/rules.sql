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


{% macro rejection_reason(type_expr, raw_expr, normalised_expr) -%}
    {{ return(adapter.dispatch('rejection_reason', 'idstitch')(type_expr, raw_expr, normalised_expr)) }}
{%- endmacro %}

{% macro default__rejection_reason(type_expr, raw_expr, normalised_expr) -%}
    {#- Why a candidate value is no identifier, or null when it is one:
        `empty` (nothing left after trimming), `blocked` (var idstitch_blocked_values,
        case-insensitive, or only '0' and '-' characters; checked on the trimmed raw
        value and on the normalised value), `invalid_phone` (not 7+ digits).
        Written for speed on hundreds of millions of values: cheap tests first, the
        blocklist only for values short enough to be on it, no regex but the phone's. -#}
    {%- set blocked = [] -%}
    {%- set ns = namespace(longest=1) -%}
    {%- for value in var('idstitch_blocked_values') -%}
        {%- do blocked.append(value | string | lower) -%}
        {%- set ns.longest = [ns.longest, (value | string | length)] | max -%}
    {%- endfor -%}
    {%- set trimmed = idstitch.trim_whitespace(raw_expr) -%}
    case
        when {{ trimmed }} = '' or {{ normalised_expr }} = '' then 'empty'
        when replace(replace({{ trimmed }}, '0', ''), '-', '') = ''
            or replace(replace({{ normalised_expr }}, '0', ''), '-', '') = ''
            then 'blocked'
        when length({{ trimmed }}) <= {{ ns.longest }}
            and {{ idstitch.in_list('lower(' ~ trimmed ~ ')', blocked) }}
            then 'blocked'
        when length({{ normalised_expr }}) <= {{ ns.longest }}
            and {{ idstitch.in_list('lower(' ~ normalised_expr ~ ')', blocked) }}
            then 'blocked'
        when {{ type_expr }} = 'phone'
            and not {{ idstitch.regexp_matches(normalised_expr, '^[0-9]{7,}$') }}
            then 'invalid_phone'
    end
{%- endmacro %}


{% macro in_list(expr, values) -%}
    {#- expr in (values), values being literal strings. -#}
    {{ return(adapter.dispatch('in_list', 'idstitch')(expr, values)) }}
{%- endmacro %}

{% macro default__in_list(expr, values) -%}
    {%- set quoted = [] -%}
    {%- for value in values -%}
        {%- do quoted.append("'" ~ (value | replace("'", "''")) ~ "'") -%}
    {%- endfor -%}
    {{ expr }} in ({{ quoted | join(', ') }})
{%- endmacro %}

{% macro duckdb__in_list(expr, values) -%}
    {#- list_contains avoids DuckDB turning a long IN list into a mark join. -#}
    {%- set quoted = [] -%}
    {%- for value in values -%}
        {%- do quoted.append("'" ~ (value | replace("'", "''")) ~ "'") -%}
    {%- endfor -%}
    list_contains([{{ quoted | join(', ') }}], {{ expr }})
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
