{{ config(tags=['idstitch_plain_text']) }}
{#- The graph's nodes: one row per distinct identifier with when and how often it
    was seen, the rank of its first event in the event order, and its anchor_rank: its
    place in the anchor order of all identifiers (macros/identifiers/anchor.sql), so a
    person's anchor is its identifier of smallest anchor_rank. node_id is tested
    unique, so a 64-bit hash collision fails the build instead of merging two
    identifiers. -#}

with

event_identifiers as (

    select * from {{ ref('int_idstitch__event_identifiers_kept') }}

),

events as (

    select * from {{ ref('int_idstitch__events_anchored') }}

),

dictionary as (

    select * from {{ ref('int_idstitch__identifier_values_normalised') }}
    where rejection_reason is null

),

seen as (

    select
        event_identifiers.node_id,
        min(event_identifiers.event_at) as first_seen_at,
        max(event_identifiers.event_at) as last_seen_at,
        count(*) as event_count,
        min(events.event_rank) as first_event_rank
    from event_identifiers
    inner join events
        on
            event_identifiers.event_type = events.event_type
            and event_identifiers.event_key = events.event_key
    group by event_identifiers.node_id

),

node_values as (

    {#- several raw spellings (' Jane@X.com', 'jane@x.com') share one node; two
        different identifiers sharing one would be a hash collision: the unique test
        on node_id below fails the build then -#}
    select
        node_id,
        identifier_type,
        identifier_value
    from dictionary
    group by node_id, identifier_type, identifier_value

),

collected as (

    select
        seen.node_id,
        node_values.identifier_type,
        node_values.identifier_value,
        seen.first_seen_at,
        seen.last_seen_at,
        seen.event_count,
        seen.first_event_rank,
        row_number() over (
            order by {{ idstitch.anchor_order(
                'seen.first_event_rank', 'node_values.identifier_type', 'node_values.identifier_value'
            ) }}
        ) as anchor_rank
    from seen
    inner join node_values
        on seen.node_id = node_values.node_id

)

select * from collected
