{#- Every identify call with its columns under their snake_case names (camelCase
    spellings merged in), the event columns cast, nothing filtered. -#}
{%- set columns = idstitch.identifies_columns() -%}

{%- if idstitch.demo_seeds_enabled() %}
-- depends_on: {{ ref('demo_identifies') }}
{%- endif %}
with

source as (

    select * from {{ source('idstitch', 'identifies') }}

),

renamed as (

    select
        {{ idstitch.source_column(columns, 'id', dbt.type_string()) }} as event_id,
        {{ idstitch.source_column(columns, 'anonymous_id', dbt.type_string()) }} as anonymous_id,
        {{ idstitch.source_column(columns, 'user_id', dbt.type_string()) }} as user_id,
        {{ idstitch.source_timestamp('identifies', columns, 'timestamp') }} as event_at,
        {{ idstitch.source_timestamp_unreadable('identifies', columns, 'timestamp') }} as has_unreadable_timestamp,
        {%- for trait in idstitch.identifies_trait_columns() %}
        {{ idstitch.source_column(columns, trait) }} as {{ idstitch.quote_identifier(trait) }},
        {%- endfor %}
        {{ idstitch.source_timestamp('identifies', columns, 'received_at') }} as received_at
    from source

)

select * from renamed
