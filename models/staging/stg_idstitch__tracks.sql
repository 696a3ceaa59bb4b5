{#- Every tracks call: the event columns cast and renamed, nothing filtered; no rows when
    the table is skipped (absent, or var idstitch_using_tracks false). -#}
{%- set skipped = idstitch.skipped_table_reason('tracks') -%}
{%- set columns = {} if skipped else idstitch.source_columns('tracks', required=['id', 'timestamp']) -%}
{{ idstitch.log_skipped_table('tracks') }}
{%- if idstitch.demo_seeds_enabled() %}
-- depends_on: {{ ref('demo_tracks') }}
{%- endif %}
with

source as (

    {#- a skipped table (macro skipped_table_reason) is read as no rows: every column null #}
    {%- if skipped %}
    select 1 as no_rows
    where 1 = 0
    {%- else %}
    select * from {{ source('idstitch', 'tracks') }}
    {%- endif %}

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
