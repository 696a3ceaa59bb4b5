{#- Every tracks call: the event columns cast and renamed, nothing filtered. -#}
{%- set columns = idstitch.source_columns('tracks', required=['id', 'timestamp']) -%}

{%- if idstitch.demo_seeds_enabled() %}
-- depends_on: {{ ref('demo_tracks') }}
{%- endif %}
with

source as (

    select * from {{ source('idstitch', 'tracks') }}

),

renamed as (

    select
        {{ idstitch.source_column(columns, 'id', dbt.type_string()) }} as event_id,
        {{ idstitch.source_column(columns, 'anonymous_id', dbt.type_string()) }} as anonymous_id,
        {{ idstitch.source_column(columns, 'user_id', dbt.type_string()) }} as user_id,
        {{ idstitch.source_timestamp('tracks', columns, 'timestamp') }} as event_at,
        {{ idstitch.source_timestamp_unreadable('tracks', columns, 'timestamp') }} as has_unreadable_timestamp,
        {{ idstitch.source_timestamp('tracks', columns, 'received_at') }} as received_at,
        {{ idstitch.source_column(columns, 'event', dbt.type_string()) }} as event
    from source

)

select * from renamed
