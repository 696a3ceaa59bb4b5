{#- Which values are no identifier, and why. -#}

{% macro rejection_reason(type_expr, raw_expr, normalised_expr) -%}
    {#- Why a candidate value is no identifier, or null when it is one:
        `empty` (nothing left after trimming), `blocked` (var idstitch_blocked_values,
        case-insensitive, or only '0' and '-' characters; checked on the trimmed raw
        value and on the normalised value; a phone whose national number is only zeros),
        `invalid_phone` (not a phone number in E.164 after normalising: phone_e164.sql),
        `invalid_email` (an email that is not email-shaped after normalising).
        Written for speed on hundreds of millions of values: cheap tests first, the
        blocklist only for values short enough to be on it, no regex but the phone's and
        the email's. -#}
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
        when {{ type_expr }} = 'phone' and {{ idstitch.is_phone_of_zeros(normalised_expr) }}
            then 'blocked'
        when {{ type_expr }} = 'phone' and not {{ idstitch.is_phone_e164(normalised_expr) }}
            then 'invalid_phone'
        when {{ type_expr }} = 'email' and not {{ idstitch.is_email_shaped(normalised_expr) }}
            then 'invalid_email'
    end
{%- endmacro %}
