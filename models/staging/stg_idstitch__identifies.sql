{#- Every identify call with its columns under the names idstitch reads them by (event
    columns cast; every other column under the trait it is, macro trait_spellings:
    camelCase, `context_traits_<trait>` and mapped spellings merged in), nothing filtered.
    The vars naming columns the table lacks are warned about here, once a build. -#}
{%- set columns = idstitch.identifies_columns() -%}
{%- set traits = idstitch.identifies_trait_columns() -%}
{%- if execute %}
{%- do idstitch.warn_unmatched_column_map(idstitch.source_columns('identifies')) %}
{%- do idstitch.warn_unmatched_identifier_columns(traits) %}
{%- endif %}

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
        {%- for trait in traits %}
        {#- several spellings of one trait are read as text: they may differ in type #}
        {%- set cast_to = dbt.type_string() if columns[trait] | length > 1 else none %}
        {{ idstitch.source_column(columns, trait, cast_to) }} as {{ idstitch.quote_identifier(trait) }},
        {%- endfor %}
        {{ idstitch.source_timestamp('identifies', columns, 'received_at') }} as received_at
    from source

)

select * from renamed
