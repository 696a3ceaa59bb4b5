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
        {{ idstitch.select_event_columns('screens', columns) }},
        {{ idstitch.source_column(columns, 'name', dbt.type_string()) }} as screen_name
    from source

)

select * from renamed
