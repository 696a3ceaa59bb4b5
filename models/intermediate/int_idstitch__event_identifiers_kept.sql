{{ config(materialized='view', tags=['idstitch_plain_text']) }}
{#- The identifiers the graph is built from: the accepted ones
    (int_idstitch__event_identifiers_accepted) that are no quarantined hub
    (int_idstitch__identifier_hubs). In a scoped build only the events of the scope
    (int_idstitch__scope_events): every step from here to the persons recomputes just
    them. -#}

-- depends_on: {{ ref('int_idstitch__scope_events') }}

with

accepted as (

    select * from {{ ref('int_idstitch__event_identifiers_accepted') }}

),

hubs as (

    select * from {{ ref('int_idstitch__identifier_hubs') }}

),

kept as (

    select
        accepted.event_type,
        accepted.event_key,
        accepted.event_at,
        accepted.source_column,
        accepted.identifier_type,
        accepted.node_id
    from accepted
    where
        {{ idstitch.in_scope(event_key_expr='accepted.event_key') }}
        and not exists (
            select 1 from hubs
            where hubs.node_id = accepted.node_id
        )

)

select * from kept
