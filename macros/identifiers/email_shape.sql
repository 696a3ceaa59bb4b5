{#- When a userId is an email address (and so typed `email`, not `external_id`). -#}

{% macro email_pattern() -%}
    {#- A userId matching this (after trimming) is an email address. -#}
    {{- return('^[^@[:space:]]+@[^@[:space:]]+[.][^@[:space:]]+$') -}}
{%- endmacro %}


{% macro is_email_shaped(expr) -%}
    {#- Boolean SQL: expr, trimmed, matches email_pattern(). The `like` goes first: it is
        cheap and rules out most values before the regular expression runs. -#}
    {%- set trimmed = idstitch.trim_whitespace(expr) -%}
    ({{ expr }} like '%@%' and {{ idstitch.regexp_matches(trimmed, idstitch.email_pattern()) }})
{%- endmacro %}
