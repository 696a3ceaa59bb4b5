{{ config(
    materialized=idstitch.persisted_materialization(),
    incremental_strategy='delete+insert',
    unique_key='event_key',
    on_schema_change='fail',
    tags=['idstitch_plain_text'],
    pre_hook="{{ idstitch.clear_for_rebuild() }}"
) }}
{#- Every identify, track and page message once, with the columns that identify
    its sender, and loaded_at, when the build that wrote it started. Keyed by
    (event_type, event_id); event_key is a 64-bit hash of both, tested unique, so later
    steps join on integers instead of message-id strings. Persisted: a scoped build
    (macros/package/incremental_builds.sql) writes the identify calls the identifies step
    wrote since, and the track and page messages received since the last build that
    are new or whose new copy wins over the kept one (deduplicate_events). -#}
{%- set columns = ['event_id', 'event_at', 'received_at', 'anonymous_id', 'user_id'] -%}
{%- set scoped = idstitch.scoped_build() -%}

with

identifies as (

    select * from {{ ref('int_idstitch__identifies_deduplicated') }}
    {%- if scoped %}
    where loaded_at > {{ idstitch.newest_loaded_at(this, "event_type = 'identify'") }}
    {%- endif %}

),

tracks as (

    select * from {{ ref('stg_idstitch__tracks') }}
    where {{ idstitch.received_since(this, "event_type = 'track'") }}

),

pages as (

    select * from {{ ref('stg_idstitch__pages') }}
    where {{ idstitch.received_since(this, "event_type = 'page'") }}

),

{%- for table, event_type in [('tracks', 'track'), ('pages', 'page')] %}

{{ table }}_candidates as (

    select {{ columns | join(', ') }}, has_unreadable_timestamp, 0 as stored_copy from {{ table }}
    {%- if scoped %}
    union all
    select {{ columns | join(', ') }}, false as has_unreadable_timestamp, 1 as stored_copy
    from {{ this }} as kept
    where
        kept.event_type = '{{ event_type }}'
        and kept.event_id in (select new_rows.event_id from {{ table }} as new_rows)
    {%- endif %}

),

{{ table }}_deduplicated as (

    {{ idstitch.deduplicate_events(table ~ '_candidates', columns, 'stored_copy') }}

),
{%- endfor %}

unioned as (

    select 'identify' as event_type, {{ columns | join(', ') }} from identifies
    union all
    select 'track' as event_type, {{ columns | join(', ') }} from tracks_deduplicated
    where stored_copy = 0
    union all
    select 'page' as event_type, {{ columns | join(', ') }} from pages_deduplicated
    where stored_copy = 0

),

keyed as (

    select
        *,
        {{ idstitch.event_key('event_type', 'event_id') }} as event_key,
        {{ idstitch.loaded_at() }} as loaded_at
    from unioned

)

select * from keyed
