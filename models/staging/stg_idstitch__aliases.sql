{#- Every alias call (`alias(previousId, userId)`): the event columns cast and renamed,
    previous_id among them, nothing filtered; no rows when the table is skipped (absent,
    or var idstitch_using_aliases false). Which identifier previous_id is: macro
    alias_previous_id. -#}
{%- set skipped = idstitch.skipped_table_reason('aliases') -%}
{%- set columns = {} if skipped else idstitch.source_columns('aliases', required=['id', 'timestamp']) -%}
{{ idstitch.log_skipped_table('aliases') }}
with

source as (

    {#- a skipped table (macro skipped_table_reason) is read as no rows: every column null #}
    {%- if skipped %}
    select 1 as no_rows
    where 1 = 0
    {%- else %}
    select * from {{ source('idstitch', 'aliases') }}
    {%- endif %}

),

renamed as (

    select
        {{ idstitch.source_column(columns, 'id', dbt.type_string()) }} as event_id,
        {{ idstitch.source_column(columns, 'anonymous_id', dbt.type_string()) }} as anonymous_id,
        {{ idstitch.source_column(columns, 'user_id', dbt.type_string()) }} as user_id,
        {{ idstitch.source_timestamp('aliases', columns, 'timestamp') }} as event_at,
        {{ idstitch.source_timestamp_unreadable('aliases', columns, 'timestamp') }} as has_unreadable_timestamp,
        {{ idstitch.source_timestamp('aliases', columns, 'received_at') }} as received_at,
        {{ idstitch.source_column(columns, 'previous_id', dbt.type_string()) }} as previous_id
    from source

)

select * from renamed
