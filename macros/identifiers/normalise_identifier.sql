{#- How a raw identifier value is normalised before it is compared or hashed. -#}

{% macro normalise_identifier(identifier_type, expr) -%}
    {#- identifier_type is a literal type name known at compile time. Every value is
        trimmed of white space and invisible characters (trim_whitespace) and put in
        Unicode NFC (unicode_nfc; not on Spark, which has no such function), then: emails
        are lower-cased and lose a leading `mailto:` and trailing dots; phones are written
        in E.164 (phone_e164: the default country's national form and the international
        form of one number are one value); every other type is kept so. -#}
    {%- set cleaned = idstitch.unicode_nfc(idstitch.trim_whitespace(expr)) -%}
    {%- if identifier_type == 'email' -%}
        {{ idstitch.regexp_remove('lower(' ~ cleaned ~ ')', '^mailto:|[.]+$') }}
    {%- elif identifier_type == 'phone' -%}
        {{ idstitch.phone_e164(cleaned) }}
    {%- else -%}
        {{ cleaned }}
    {%- endif -%}
{%- endmacro %}


{% macro normalised_value(type_expr, expr) -%}
    {#- normalise_identifier for a type known only at run time (type_expr is SQL). -#}
    case
            when {{ type_expr }} = 'email' then {{ idstitch.normalise_identifier('email', expr) }}
            when {{ type_expr }} = 'phone' then {{ idstitch.normalise_identifier('phone', expr) }}
            else {{ idstitch.normalise_identifier('other', expr) }}
        end
{%- endmacro %}
