{{ config(materialized='view', tags=['idstitch_plain_text']) }}
{#- Every event that has an identifier, with the person it belongs to (all of an
    event's identifiers are in one component, so its anchor decides). A view: the
    marts aggregate it, so it is never written out event by event. -#}

with

anchors as (

    select * from {{ ref('int_idstitch__events_anchored') }}

),

resolved as (

    select * from {{ ref('int_idstitch__identifiers_resolved') }}

),

attributed as (

    select
        anchors.event_type,
        anchors.event_key,
        anchors.event_at,
        resolved.person_id
    from anchors
    inner join resolved
        on anchors.anchor_node_id = resolved.node_id

)

select * from attributed
