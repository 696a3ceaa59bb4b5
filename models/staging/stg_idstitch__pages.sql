{#- Every pages call: the event columns cast and renamed, nothing filtered. -#}
{%- set columns = idstitch.source_columns('pages', required=['id', 'timestamp']) -%}

{%- if idstitch.demo_seeds_enabled() %}
-- depends_on: {{ ref('demo_pages') }}
{%- endif %}
with

source as (

    select * from {{ source('idstitch', 'pages') }}

),

renamed as (

    select
        {{ idstitch.source_column(columns, 'id', dbt.type_string()) }} as event_id,
        {{ idstitch.source_column(columns, 'anonymous_id', dbt.type_string()) }} as anonymous_id,
        {{ idstitch.source_column(columns, 'user_id', dbt.type_string()) }} as user_id,
        {{ idstitch.source_timestamp('pages', columns, 'timestamp') }} as event_at,
        {{ idstitch.source_timestamp_unreadable('pages', columns, 'timestamp') }} as has_unreadable_timestamp,
        {{ idstitch.source_timestamp('pages', columns, 'received_at') }} as received_at,
        {{ idstitch.source_column(columns, 'name', dbt.type_string()) }} as page_name,
        {{ idstitch.source_column(columns, 'path', dbt.type_string()) }} as path,
        {{ idstitch.source_column(columns, 'url', dbt.type_string()) }} as url,
        {{ idstitch.source_column(columns, 'title', dbt.type_string()) }} as title,
        {{ idstitch.source_column(columns, 'referrer', dbt.type_string()) }} as referrer
    from source

)

select * from renamed
