{#- Every identify call of every source (macro event_sources) with its source_name and its
    columns under the names idstitch reads them by (event columns cast; every other column
    under the trait it is, macro trait_spellings: camelCase, `context_traits_<trait>` and
    mapped spellings merged in), nothing filtered. A trait a source lacks is null in its
    rows; with several sources (var idstitch_sources) every trait is read as text, as
    sources may differ in its type. The vars naming columns no identifies table has are
    warned about here, once a build. -#}
{%- set traits = idstitch.identifies_trait_columns() -%}
{%- set several = idstitch.several_sources() -%}
{%- if execute %}
{%- do idstitch.warn_unmatched_column_map(idstitch.identifies_raw_columns()) %}
{%- do idstitch.warn_unmatched_identifier_columns(traits) %}
{%- endif %}

{%- if idstitch.demo_seeds_enabled() %}
-- depends_on: {{ ref('demo_identifies') }}
{%- endif %}
with
{% for event_source in idstitch.event_sources() %}
source_{{ event_source['name'] }} as (

    select * from {{ idstitch.source_relation_sql('identifies', event_source) }}

),
{% endfor %}
renamed as (
    {%- for event_source in idstitch.event_sources() %}
    {%- set columns = idstitch.identifies_columns(event_source) %}
    {%- set raw = idstitch.source_relation('identifies', event_source) %}
    {%- if not loop.first %}

    union all
    {%- endif %}

    select
        {{ dbt.string_literal(event_source['name']) }} as source_name,
        {{ idstitch.source_column(columns, 'id', dbt.type_string()) }} as event_id,
        {{ idstitch.source_column(columns, 'anonymous_id', dbt.type_string()) }} as anonymous_id,
        {{ idstitch.source_column(columns, 'user_id', dbt.type_string()) }} as user_id,
        {{ idstitch.source_timestamp('identifies', columns, 'timestamp', raw) }} as event_at,
        {{ idstitch.source_timestamp_unreadable('identifies', columns, 'timestamp', raw) }} as has_unreadable_timestamp,
        {%- for trait in traits %}
        {#- several spellings of one trait, or several sources, are read as text: they may differ in type #}
        {%- set cast_to = dbt.type_string() if several or columns.get(trait, []) | length > 1 else none %}
        {{ idstitch.source_column(columns, trait, cast_to) }} as {{ idstitch.quote_identifier(trait) }},
        {%- endfor %}
        {{ idstitch.source_timestamp('identifies', columns, 'received_at', raw) }} as received_at
    from source_{{ event_source['name'] }}
    {%- endfor %}

)

select * from renamed
