{#- Every pages call: the event columns cast and renamed, nothing filtered; no rows when
    the table is skipped (absent, or var idstitch_using_pages false). -#}
{%- set skipped = idstitch.skipped_table_reason('pages') -%}
{%- set columns = {} if skipped else idstitch.source_columns('pages', required=['id', 'timestamp']) -%}
{{ idstitch.log_skipped_table('pages') }}
{%- if idstitch.demo_seeds_enabled() %}
-- depends_on: {{ ref('demo_pages') }}
{%- endif %}
with

source as (

    {#- a skipped table (macro skipped_table_reason) is read as no rows: every column null #}
    {%- if skipped %}
    select 1 as no_rows
    where 1 = 0
    {%- else %}
    select * from {{ source('idstitch', 'pages') }}
    {%- endif %}

),

renamed as (

    select
        {{ idstitch.select_event_columns('pages', columns) }},
        {{ idstitch.source_column(columns, 'name', dbt.type_string()) }} as page_name,
        {{ idstitch.source_column(columns, 'path', dbt.type_string()) }} as path,
        {{ idstitch.source_column(columns, 'url', dbt.type_string()) }} as url,
        {{ idstitch.source_column(columns, 'title', dbt.type_string()) }} as title,
        {{ idstitch.source_column(columns, 'referrer', dbt.type_string()) }} as referrer
    from source

)

select * from renamed
