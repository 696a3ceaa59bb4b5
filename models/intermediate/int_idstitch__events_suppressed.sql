{{ config(tags=['idstitch_plain_text']) }}
{#- Events that carry an identifier someone asked to be forgotten (`idstitch forget`
    writes the keyed hashes of all the person's identifiers to the key store's
    suppressions table). Every identifier is hashed once, not every event. Always
    built: with encryption off, or nobody forgotten, it has no rows. -#}

with

event_identifiers as (

    select * from {{ ref('int_idstitch__event_identifiers_extracted') }}
    where rejection_reason is null

),

suppressions as (

    {{ idstitch.keystore_rows('suppressions') }}

),

identifiers as (

    select
        node_id,
        identifier_type,
        identifier_value
    from {{ ref('int_idstitch__identifier_values_normalised') }}
    where rejection_reason is null
    group by node_id, identifier_type, identifier_value

),

suppressed_nodes as (

    select identifiers.node_id
    from identifiers
    inner join suppressions
        on
            {{ idstitch.identifier_hash(
                'identifiers.identifier_type', 'identifiers.identifier_value', idstitch.index_key_sql()
            ) }} = suppressions.identifier_hash

),

suppressed_events as (

    select distinct
        event_identifiers.event_type,
        event_identifiers.event_key
    from event_identifiers
    inner join suppressed_nodes
        on event_identifiers.node_id = suppressed_nodes.node_id

)

select * from suppressed_events
