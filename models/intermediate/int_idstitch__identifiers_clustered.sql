{{ config(materialized='idstitch_components') }}
{#- The identity graph's connected components, computed by the idstitch_components
    materialization (macros/graph/components_materialization.sql) from the edges below:
    every identifier of a multi-identifier event linked to the event's anchor. -#}

with

event_identifiers as (

    select * from {{ ref('int_idstitch__event_identifiers_kept') }}

),

anchors as (

    select * from {{ ref('int_idstitch__events_anchored') }}
    where identifier_count > 1

),

edges as (

    select
        anchors.anchor_node_id as node_a,
        event_identifiers.node_id as node_b
    from event_identifiers
    inner join anchors
        on
            event_identifiers.event_type = anchors.event_type
            and event_identifiers.event_key = anchors.event_key
    where event_identifiers.node_id <> anchors.anchor_node_id

)

select
    node_a,
    node_b
from edges
