{#- The links of the identity graph, pair by pair (docs/contract.md, "Links"): one row
    per unordered pair of identifiers (node_a < node_b) carried together by a kept event
    (int_idstitch__event_identifiers_kept), with the number of events carrying both and
    the first of them in event order (events_anchored.event_rank: received_at, event
    type, source name, message id), named by source, type and message id. Every pair of an event's identifiers, not only the star to its
    anchor that the components step reads: an event with k identifiers makes
    k(k - 1) / 2 pairs (0, 1 or 3 for the usual 1 to 3). In a scoped build only the
    scope's events are kept, which are all the events of the scope's identifiers: the
    rows of every pair of the scope are whole, event_count and first event included. -#}

with

event_identifiers as (

    select distinct
        event_type,
        event_key,
        node_id
    from {{ ref('int_idstitch__event_identifiers_kept') }}

),

events as (

    select * from {{ ref('int_idstitch__events_anchored') }}
    where identifier_count > 1

),

pairs as (

    select
        identifier_a.node_id as node_a,
        identifier_b.node_id as node_b,
        events.event_rank
    from events
    inner join event_identifiers as identifier_a
        on
            events.event_type = identifier_a.event_type
            and events.event_key = identifier_a.event_key
    inner join event_identifiers as identifier_b
        on
            identifier_a.event_type = identifier_b.event_type
            and identifier_a.event_key = identifier_b.event_key
            and identifier_a.node_id < identifier_b.node_id

),

links as (

    select
        node_a,
        node_b,
        count(*) as event_count,
        min(event_rank) as first_event_rank
    from pairs
    group by node_a, node_b

),

final as (

    select
        links.node_a,
        links.node_b,
        links.event_count,
        events.source_name as first_source_name,
        events.event_type as first_event_type,
        events.event_id as first_event_id,
        events.received_at as first_received_at
    from links
    inner join events
        on links.first_event_rank = events.event_rank

)

select * from final
