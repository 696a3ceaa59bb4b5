{{ config(materialized='view', tags=['idstitch_plain_text']) }}
{#- Every (event, identifier) pair whose value is an identifier (no rejection_reason) and
    whose event is no forgotten person's (int_idstitch__events_suppressed), of every
    event: what the hub quarantine counts (int_idstitch__identifier_hubs). The graph is
    built from int_idstitch__event_identifiers_kept: these rows without the hubs, and in
    a scoped build only those of the scope's events. -#}

with

event_identifiers as (

    select * from {{ ref('int_idstitch__event_identifiers_extracted') }}

),

suppressed as (

    select * from {{ ref('int_idstitch__events_suppressed') }}

),

accepted as (

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
        and not exists (
            select 1 from suppressed
            where
                suppressed.event_type = event_identifiers.event_type
                and suppressed.event_key = event_identifiers.event_key
        )

)

select * from accepted
