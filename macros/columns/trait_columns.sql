{#- Which traits of identifies become columns of `users`. -#}

{% macro trait_columns(columns) -%}
    {#- Reserved traits (snake_case) present in identifies, address_* and company_*
        included, plus var idstitch_passthrough_traits. Identifier traits excluded.
        A passthrough trait named like a column `users` has already fails the build; one
        that identifies lacks (`columns`: identifies_columns()) is a warning in the build
        log, its column null. -#}
    {%- set reserved = [
        'first_name', 'last_name', 'name', 'username', 'title', 'website', 'avatar',
        'description', 'gender', 'age', 'birthday', 'created_at'
    ] -%}
    {%- set users_columns = [
        'person_id', 'canonical_id_type', 'canonical_id_value', 'external_id', 'email', 'phone',
        'anonymous_id_count', 'identifier_count', 'first_seen_at', 'last_seen_at',
        'identify_count', 'track_count', 'page_count', 'screen_count'
    ] -%}
    {%- set found = [] -%}
    {%- for name in reserved -%}
        {%- do found.append(name) -%}
    {%- endfor -%}
    {%- for name in columns.keys() | sort -%}
        {%- if (name.startswith('address_') or name.startswith('company_')) and name not in found -%}
            {%- do found.append(name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for name in var('idstitch_passthrough_traits', []) -%}
        {%- set snake = idstitch.snake_case(name | string) -%}
        {%- if snake in users_columns or snake == '' -%}
            {{- exceptions.raise_compiler_error(
                "idstitch: the passthrough trait " ~ (name | tojson) ~ " (var idstitch_passthrough_traits)"
                ~ " cannot be a column of users: `" ~ snake ~ "` is "
                ~ ("empty" if snake == '' else "one of its own columns") ~ "."
            ) -}}
        {%- endif -%}
        {%- if execute and snake not in columns -%}
            {%- do exceptions.warn(
                "idstitch: the passthrough trait " ~ (name | tojson) ~ " (var idstitch_passthrough_traits)"
                ~ " is no column of the raw identifies table: users." ~ snake ~ " is null for everyone."
            ) -%}
        {%- endif -%}
        {%- if snake not in found -%}
            {%- do found.append(snake) -%}
        {%- endif -%}
    {%- endfor -%}
    {{- return(found) -}}
{%- endmacro %}


{% macro newest_trait(trait, relation_alias) -%}
    {#- Aggregate: the trait's newest non-null value over the identify calls of
        relation_alias (greatest timestamp, then received_at, then message id in byte
        order). -#}
    {{ idstitch.last_non_null(
        relation_alias ~ '.' ~ idstitch.quote_identifier(trait),
        [
            relation_alias ~ '.event_at',
            relation_alias ~ '.received_at',
            idstitch.binary_order(relation_alias ~ '.event_id'),
        ]
    ) }}
{%- endmacro %}


{% macro trait_value(trait, relation_alias) -%}
    {#- A person's trait as published: the `name` trait falls back to first and last
        name joined by a space (null when both are missing). -#}
    {%- set column = relation_alias ~ '.' ~ idstitch.quote_identifier(trait) -%}
    {%- if trait == 'name' -%}
        coalesce({{ column }}, nullif({{ idstitch.trim_whitespace(
            "concat_ws(' ', " ~ relation_alias ~ '.' ~ idstitch.quote_identifier('first_name') ~ ", "
            ~ relation_alias ~ '.' ~ idstitch.quote_identifier('last_name') ~ ")"
        ) }}, ''))
    {%- else -%}
        {{ column }}
    {%- endif -%}
{%- endmacro %}
