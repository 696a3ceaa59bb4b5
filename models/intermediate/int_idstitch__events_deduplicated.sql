{{ config(
    materialized=idstitch.persisted_materialization(),
    incremental_strategy='delete+insert',
    unique_key=['source_name', 'event_type', 'event_id'],
    on_schema_change='fail',
    tags=['idstitch_plain_text'],
    pre_hook="{{ idstitch.clear_for_rebuild() }}"
) }}
{#- Every identify, track, page, screen and alias message once per source (source_name:
    macro event_sources), with the columns that identify its sender (previous_id: an
    alias call's other identifier, macro alias_previous_id; null for every other type),
    and loaded_at, when the build that wrote it started. Keyed by (source_name,
    event_type, event_id); event_key is a 64-bit hash of them (macro event_key), tested
    unique, so later steps join on integers instead of message-id strings.
    A scoped build replaces rows by (source_name, event_type, event_id), never by event_key: a new
    event whose key collides with a kept one's is written beside it, and the key test
    fails the build, instead of the kept event being deleted.
    A skipped raw table (macro skipped_table_reason) has no rows. Persisted: a scoped
    build (macros/package/incremental_builds.sql) writes the identify calls the
    identifies step wrote since, and the other messages received since the last build
    that are new or whose new copy wins over the kept one (deduplicate_events), each
    source's lookback from its own newest row of the table (received_since_per_source). -#}
{%- set columns = ['source_name', 'event_id', 'event_at', 'received_at', 'anonymous_id', 'user_id'] -%}
{%- set scoped = idstitch.scoped_build() -%}
{%- set optional_tables = idstitch.event_tables()[1:] -%}

with

identifies as (

    select * from {{ ref('int_idstitch__identifies_deduplicated') }}
    {%- if scoped %}
    where loaded_at > {{ idstitch.newest_loaded_at(this, "event_type = 'identify'") }}
    {%- endif %}

),

{%- for table, event_type in optional_tables %}

{{ table }} as (

    select * from {{ ref('stg_idstitch__' ~ table) }}
    where {{ idstitch.received_since_per_source(this, "event_type = '" ~ event_type ~ "'") }}

),

{%- set table_columns = columns + (['previous_id'] if table == 'aliases' else []) %}

{{ table }}_candidates as (

    select {{ table_columns | join(', ') }}, has_unreadable_timestamp, 0 as stored_copy from {{ table }}
    {%- if scoped %}
    union all
    select {{ table_columns | join(', ') }}, false as has_unreadable_timestamp, 1 as stored_copy
    from {{ this }} as kept
    where
        kept.event_type = '{{ event_type }}'
        and kept.event_id in (select new_rows.event_id from {{ table }} as new_rows)
    {%- endif %}

),

{{ table }}_deduplicated as (

    {{ idstitch.deduplicate_events(table ~ '_candidates', table_columns, 'stored_copy') }}

),
{%- endfor %}

unioned as (

    select
        'identify' as event_type, {{ columns | join(', ') }},
        cast(null as {{ dbt.type_string() }}) as previous_id
    from identifies
    {%- for table, event_type in optional_tables %}
    union all
    select
        '{{ event_type }}' as event_type, {{ columns | join(', ') }},
        {%- if table == 'aliases' %}
        {{ idstitch.alias_previous_id('previous_id', 'anonymous_id', 'user_id') }} as previous_id
        {%- else %}
        cast(null as {{ dbt.type_string() }}) as previous_id
        {%- endif %}
    from {{ table }}_deduplicated
    where stored_copy = 0
    {%- endfor %}

),

keyed as (

    select
        *,
        {{ idstitch.event_key('event_type', 'event_id', 'source_name') }} as event_key,
        {{ idstitch.loaded_at() }} as loaded_at
    from unioned

)

select * from keyed
