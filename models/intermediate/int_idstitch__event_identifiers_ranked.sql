{{ config(materialized='view', tags=['idstitch_plain_text']) }}
{#- Every kept (event, identifier) pair by ranks only: the event's rank in the event
    order, the identifier's anchor_rank and the rank of its own first event. The input
    of the origins and the links between persons (int_idstitch__identifier_origins,
    int_idstitch__link_items). A view: each reader keeps only the few columns and rows
    it needs. -#}

with

event_identifiers as (

    select * from {{ ref('int_idstitch__event_identifiers_kept') }}

),

events as (

    select * from {{ ref('int_idstitch__events_anchored') }}

),

identifiers as (

    select * from {{ ref('int_idstitch__identifiers_collected') }}

),

ranked as (

    select
        events.event_rank,
        identifiers.node_id,
        identifiers.anchor_rank,
        identifiers.first_event_rank
    from event_identifiers
    inner join events
        on
            event_identifiers.event_type = events.event_type
            and event_identifiers.event_key = events.event_key
    inner join identifiers
        on event_identifiers.node_id = identifiers.node_id

)

select * from ranked
