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
        {{ idstitch.select_event_columns('tracks', columns) }},
        {{ idstitch.source_column(columns, 'event', dbt.type_string()) }} as event
    from source

)

select * from renamed
