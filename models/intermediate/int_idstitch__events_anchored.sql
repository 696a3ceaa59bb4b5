{#- Each event with at least one identifier, and its anchor: the smallest node id
    among its identifiers. Linking every identifier of an event to the anchor gives
    the same components as linking them all pairwise, with k - 1 edges instead of
    k(k - 1) / 2. -#}

with

event_identifiers as (

    select * from {{ ref('int_idstitch__event_identifiers_kept') }}

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

)

select * from anchored
