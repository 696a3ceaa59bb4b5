{#- Which values are no identifier, and why. -#}

{% macro rejection_reason(type_expr, raw_expr, normalised_expr) -%}
    {#- Why a candidate value is no identifier, or null when it is one:
        `empty` (nothing left after trimming), `blocked` (the blocklist of blocklist.sql:
        var idstitch_blocked_values and the '*' values of var idstitch_extra_blocked_values
        for every type, a type's own extra values for its values, case-insensitive, checked
        on the trimmed raw value and on the normalised value; a pattern of var
        idstitch_blocked_patterns matching the whole normalised value, lower-cased; only '0'
        and '-' characters; a phone whose national number is only zeros),
        `invalid_phone` (not a phone number in E.164 after normalising: phone_e164.sql),
        `invalid_email` (an email that is not email-shaped after normalising).
        Written for speed on hundreds of millions of values: cheap tests first, a value list
        only for values short enough to be on it, a type's values and patterns only for
        values of that type, one regular expression per type with patterns ('*' patterns
        run on every value), then the phone's and the email's. -#}
    {%- set blocklist = idstitch.blocklist() -%}
    {%- set patterns = blocklist['patterns'] -%}
    {%- set typed_patterns = patterns.keys() | reject('equalto', '*') | sort -%}
    {%- set every_type = patterns.get('*', []) -%}
    {%- set trimmed = idstitch.trim_whitespace(raw_expr) -%}
    {%- set lowered = 'lower(' ~ normalised_expr ~ ')' -%}
    case
        when {{ trimmed }} = '' or {{ normalised_expr }} = '' then 'empty'
        when replace(replace({{ trimmed }}, '0', ''), '-', '') = ''
            or replace(replace({{ normalised_expr }}, '0', ''), '-', '') = ''
            then 'blocked'
        {%- for key in ['*'] + (blocklist['values'].keys() | reject('equalto', '*') | sort | list)
            if blocklist['values'][key] | length > 0 %}
        {%- for expr in [trimmed, normalised_expr] %}
        when {% if key != '*' %}{{ type_expr }} = '{{ key }}' and {% endif -%}
            {{ idstitch._in_blocked_values(expr, blocklist['values'][key]) }}
            then 'blocked'
        {%- endfor %}
        {%- endfor %}
        {%- for key in typed_patterns %}
        when {{ type_expr }} = '{{ key }}'
            and {{ idstitch.regexp_matches(lowered, idstitch.blocked_pattern_regex(patterns[key] + every_type)) }}
            then 'blocked'
        {%- endfor %}
        {%- if every_type %}
        when
            {%- if typed_patterns %} not ({{ idstitch.in_list(type_expr, typed_patterns) }}) and{% endif %}
            {{ idstitch.regexp_matches(lowered, idstitch.blocked_pattern_regex(every_type)) }}
            then 'blocked'
        {%- endif %}
        when {{ type_expr }} = 'phone' and {{ idstitch.is_phone_of_zeros(normalised_expr) }}
            then 'blocked'
        when {{ type_expr }} = 'phone' and not {{ idstitch.is_phone_e164(normalised_expr) }}
            then 'invalid_phone'
        when {{ type_expr }} = 'email' and not {{ idstitch.is_email_shaped(normalised_expr) }}
            then 'invalid_email'
    end
{%- endmacro %}


{% macro _in_blocked_values(expr, values) -%}
    {#- Boolean SQL: expr, lower-cased, is one of `values` (lower-cased already); the length
        test first spares the lookup of values longer than the longest. -#}
    {%- set ns = namespace(longest=1) -%}
    {%- for value in values -%}
        {%- set ns.longest = [ns.longest, value | length] | max -%}
    {%- endfor -%}
    length({{ expr }}) <= {{ ns.longest }}
            and {{ idstitch.in_list('lower(' ~ expr ~ ')', values) }}
{%- endmacro %}
