{#- A trait that repeats what user_id already gave the event is not a second identifier. -#}

{% macro differs_from_user_id(identifier_type, trait_expr, user_id_expr) -%}
    {#- Boolean SQL: the trait value (of the literal identifier_type) is not the
        identifier the event's user_id already is (user_id 83561 with external_id 83561
        is one identifier). Only external_id and email can repeat a user_id; for every
        other type this is `true`. A trait column's name stands for its type
        (identifier_column_type: `customer_number` listed as `external_id`). -#}
    {%- set identifier_type = idstitch.identifier_column_type(identifier_type) -%}
    {%- if identifier_type == 'external_id' -%}
        {%- set trait_text = 'cast(' ~ trait_expr ~ ' as ' ~ dbt.type_string() ~ ')' -%}
        ({{ user_id_expr }} is null or {{ idstitch.is_email_shaped(user_id_expr) }}
            or {{ idstitch.normalise_identifier('external_id', user_id_expr) }}
            <> {{ idstitch.normalise_identifier('external_id', trait_text) }})
    {%- elif identifier_type == 'email' -%}
        ({{ user_id_expr }} is null or not {{ idstitch.is_email_shaped(user_id_expr) }}
            or {{ idstitch.normalise_identifier('email', user_id_expr) }}
            <> {{ idstitch.normalise_identifier('email', trait_expr) }})
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
