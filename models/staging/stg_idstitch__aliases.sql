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
        {{ idstitch.select_event_columns('aliases', columns) }},
        {{ idstitch.source_column(columns, 'previous_id', dbt.type_string()) }} as previous_id
    from source

)

select * from renamed
