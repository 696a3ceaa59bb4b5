{#- The graph's nodes: one row per distinct identifier with when and how often it
    was seen. node_id is tested unique, so a 64-bit hash collision fails the build
    instead of merging two identifiers. -#}

with

event_identifiers as (

    select * from {{ ref('int_event_identifiers_kept') }}

),

collected as (

    select
        node_id,
        identifier_type,
        identifier_value,
        min(event_at) as first_seen_at,
        max(event_at) as last_seen_at,
        count(*) as event_count
    from event_identifiers
    group by node_id, identifier_type, identifier_value

)

select * from collected
