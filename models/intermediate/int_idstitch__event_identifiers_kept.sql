{{ config(materialized='view', tags=['idstitch_plain_text']) }}
{#- The identifiers the graph is built from: accepted values only, and nothing
    from an event of a forgotten person (int_idstitch__events_suppressed). In a scoped
    build only the events of the scope (int_idstitch__scope_events): every step from
    here to the persons recomputes just them. -#}

-- depends_on: {{ ref('int_idstitch__scope_events') }}

with

event_identifiers as (

    select * from {{ ref('int_idstitch__event_identifiers_extracted') }}

),

suppressed as (

    select * from {{ ref('int_idstitch__events_suppressed') }}

),

kept as (

    select
        event_identifiers.event_type,
        event_identifiers.event_key,
        event_identifiers.event_at,
        event_identifiers.source_column,
        event_identifiers.identifier_type,
        event_identifiers.node_id
    from event_identifiers
    where
        event_identifiers.rejection_reason is null
        and {{ idstitch.in_scope(event_key_expr='event_identifiers.event_key') }}
        and not exists (
            select 1 from suppressed
            where
                suppressed.event_type = event_identifiers.event_type
                and suppressed.event_key = event_identifiers.event_key
        )

)

select * from kept
