{#- Every screens call (Segment's mobile page view): the event columns cast and renamed,
    nothing filtered; no rows when the table is skipped (absent, or var
    idstitch_using_screens false). -#}
{%- set skipped = idstitch.skipped_table_reason('screens') -%}
{%- set columns = {} if skipped else idstitch.source_columns('screens', required=['id', 'timestamp']) -%}
{{ idstitch.log_skipped_table('screens') }}
with

source as (

    {#- a skipped table (macro skipped_table_reason) is read as no rows: every column null #}
    {%- if skipped %}
    select 1 as no_rows
    where 1 = 0
    {%- else %}
    select * from {{ source('idstitch', 'screens') }}
    {%- endif %}

),

renamed as (

    select
        {{ idstitch.source_column(columns, 'id', dbt.type_string()) }} as event_id,
        {{ idstitch.source_column(columns, 'anonymous_id', dbt.type_string()) }} as anonymous_id,
        {{ idstitch.source_column(columns, 'user_id', dbt.type_string()) }} as user_id,
        {{ idstitch.source_timestamp('screens', columns, 'timestamp') }} as event_at,
        {{ idstitch.source_timestamp_unreadable('screens', columns, 'timestamp') }} as has_unreadable_timestamp,
        {{ idstitch.source_timestamp('screens', columns, 'received_at') }} as received_at,
        {{ idstitch.source_column(columns, 'name', dbt.type_string()) }} as screen_name
    from source

)

select * from renamed
