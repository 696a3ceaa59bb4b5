{#- Each event with at least one identifier, its anchor node (the smallest node id
    among its identifiers) and its rank in the event order (event_order: received_at,
    event type, source name, message id). Linking every identifier of an event to the anchor node
    gives the same components as linking them all pairwise, with k - 1 edges instead of
    k(k - 1) / 2; the rank orders events for person anchors and merges. -#}

with

event_identifiers as (

    select * from {{ ref('int_idstitch__event_identifiers_kept') }}

),

events as (

    select * from {{ ref('int_idstitch__events_deduplicated') }}

),

anchored as (

    select
        event_type,
        event_key,
        min(event_at) as event_at,
        min(node_id) as anchor_node_id,
        count(*) as identifier_count
    from event_identifiers
    group by event_type, event_key

),

ranked as (

    select
        anchored.event_type,
        anchored.event_key,
        anchored.event_at,
        anchored.anchor_node_id,
        anchored.identifier_count,
        events.source_name,
        events.event_id,
        events.received_at,
        row_number() over (
            order by {{ idstitch.event_order(
                'events.received_at', 'anchored.event_type', 'events.event_id', 'events.source_name'
            ) }}
        ) as event_rank
    from anchored
    inner join events
        on
            anchored.event_type = events.event_type
            and anchored.event_key = events.event_key

)

select * from ranked
