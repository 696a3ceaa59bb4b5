{{ config(tags=['idstitch_plain_text']) }}
{#- The graph's nodes: one row per distinct identifier with when and how often it
    was seen. node_id is tested unique, so a 64-bit hash collision fails the build
    instead of merging two identifiers. -#}

with

event_identifiers as (

    select * from {{ ref('int_idstitch__event_identifiers_kept') }}

),

dictionary as (

    select * from {{ ref('int_idstitch__identifier_values_normalised') }}
    where rejection_reason is null

),

seen as (

    select
        node_id,
        min(event_at) as first_seen_at,
        max(event_at) as last_seen_at,
        count(*) as event_count
    from event_identifiers
    group by node_id

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
        seen.event_count
    from seen
    inner join node_values
        on seen.node_id = node_values.node_id

)

select * from collected
