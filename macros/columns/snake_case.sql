{#- How a raw column's name becomes the name idstitch reads and writes it under. -#}

{% macro snake_case(name) -%}
    {#- firstName -> first_name, stripeCustomerID -> stripe_customer_id, and every run
        of characters that are not letters, digits or `_` -> one `_` (`first name` and
        `First-Name` -> first_name, `e-mail` -> e_mail), as Segment and `idstitch load`
        name columns. So every name idstitch writes is a plain word on every engine; the
        raw name itself is still read quoted (quote_identifier). -#}
    {%- set step = modules.re.sub('([A-Z]+)([A-Z][a-z])', '\\1_\\2', name) -%}
    {%- set step = modules.re.sub('([a-z0-9])([A-Z])', '\\1_\\2', step) -%}
    {%- set step = modules.re.sub('\\W+', '_', step) -%}
    {{- return(step | lower) -}}
{%- endmacro %}
