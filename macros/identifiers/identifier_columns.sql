{#- Which columns carry identifiers, and of which type. -#}

{% macro id_trait_columns() -%}
    {#- Trait columns of identifies that are identifiers of type `<name>_id`:
        every snake_case trait ending in _id except external_id (its own type) and the
        prefixes in var idstitch_non_identifier_prefixes, sorted. -#}
    {%- set prefixes = var('idstitch_non_identifier_prefixes', ['context_', 'company_']) -%}
    {%- set found = [] -%}
    {%- for name in idstitch.identifies_trait_columns() -%}
        {%- set ns = namespace(skip=(name == 'external_id') or not name.endswith('_id')) -%}
        {%- for prefix in prefixes -%}
            {%- if name.startswith(prefix) -%}
                {%- set ns.skip = true -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if not ns.skip and modules.re.match('^[a-z][a-z0-9_]*$', name) -%}
            {%- do found.append(name) -%}
        {%- endif -%}
    {%- endfor -%}
    {{- return(found) -}}
{%- endmacro %}


{% macro identifier_trait_columns() -%}
    {#- Every trait column of identifies that carries identifiers, in order:
        external_id, email, phone (those the table has), then id_trait_columns().
        A trait's identifier type is its column name. -#}
    {%- set traits = idstitch.identifies_trait_columns() -%}
    {%- set found = [] -%}
    {%- for name in ['external_id', 'email', 'phone'] if name in traits -%}
        {%- do found.append(name) -%}
    {%- endfor -%}
    {{- return(found + idstitch.id_trait_columns()) -}}
{%- endmacro %}


{% macro identifier_type(source_column_expr, raw_value_expr) -%}
    {#- The type of a value from the column named by source_column_expr: a user_id is
        an `email` when email-shaped (is_email_shaped), else an `external_id`; every
        other column's values are of the type named like the column. -#}
    case
            when {{ source_column_expr }} = 'user_id'
                and {{ idstitch.is_email_shaped(raw_value_expr) }} then 'email'
            when {{ source_column_expr }} = 'user_id' then 'external_id'
            else {{ source_column_expr }}
        end
{%- endmacro %}
