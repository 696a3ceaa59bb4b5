{{ config(materialized='view') }}
{#- The identifiers the graph is built from: accepted values only, and with
    encryption on, nothing from an event of a forgotten person. -#}
{%- set not_suppressed = '' -%}
{%- if idstitch.encryption_enabled() -%}
{%- set not_suppressed = '
        and not exists (
            select 1 from suppressed
            where
                suppressed.event_type = event_identifiers.event_type
                and suppressed.event_key = event_identifiers.event_key
        )' -%}
{%- endif -%}

with

event_identifiers as (

    select * from {{ ref('int_event_identifiers_extracted') }}

),

{% if idstitch.encryption_enabled() -%}
suppressed as (

    select * from {{ ref('int_events_suppressed') }}

),
{%- endif %}

kept as (

    select
        event_identifiers.event_type,
        event_identifiers.event_key,
        event_identifiers.event_at,
        event_identifiers.source_column,
        event_identifiers.identifier_type,
        event_identifiers.node_id
    from event_identifiers
    where event_identifiers.rejection_reason is null{{ not_suppressed }}

)

select * from kept
