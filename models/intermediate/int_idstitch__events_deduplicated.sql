{{ config(materialized='table', tags=['idstitch_plain_text']) }}
{#- Every identify, track and page message once, with the columns that identify
    its sender. Keyed by (event_type, event_id); event_key is a 64-bit hash of both,
    tested unique, so later steps join on integers instead of message-id strings.
    A table: deduplication is a window over every message, and the extraction, the
    data-quality counts and the key test all read the result. -#}
{%- set columns = ['event_id', 'event_at', 'received_at', 'anonymous_id', 'user_id'] -%}

with

identifies as (

    select * from {{ ref('int_idstitch__identifies_deduplicated') }}

),

tracks as (

    select * from {{ ref('stg_idstitch__tracks') }}

),

pages as (

    select * from {{ ref('stg_idstitch__pages') }}

),

tracks_deduplicated as (

    {{ idstitch.deduplicate_events('tracks', columns) }}

),

pages_deduplicated as (

    {{ idstitch.deduplicate_events('pages', columns) }}

),

unioned as (

    select 'identify' as event_type, {{ columns | join(', ') }} from identifies
    union all
    select 'track' as event_type, {{ columns | join(', ') }} from tracks_deduplicated
    union all
    select 'page' as event_type, {{ columns | join(', ') }} from pages_deduplicated

),

keyed as (

    select
        *,
        {{ idstitch.event_key('event_type', 'event_id') }} as event_key
    from unioned

)

select * from keyed
