{{ config(
    materialized=idstitch.persisted_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ idstitch.clear_for_rebuild(idstitch.previous_persons_condition()) }}"
) }}
{#- One row per retired person id (docs/contract.md, "Persons"): replaying the events
    in event order, an event whose earlier-seen identifiers were in two persons or
    more merges them; the person whose anchor comes first survives, every other id is
    retired. int_idstitch__link_groups says which person held each origin just before
    each linking event; person_id is the id the retired person belongs to now. With
    encryption on, identifier values are protected as in user_identifiers. -#}

-- depends_on: {{ ref('int_idstitch__scope_nodes') }}

with

link_identifiers as (

    select * from {{ ref('int_idstitch__link_identifiers') }}

),

link_items as (

    select * from {{ ref('int_idstitch__link_items') }}
    where is_query

),

link_groups as (

    select * from {{ ref('int_idstitch__link_groups') }}

),

resolved as (

    select * from {{ ref('int_idstitch__identifiers_resolved') }}
    where {{ idstitch.in_scope(node_id_expr='node_id') }}

),

events as (

    select * from {{ ref('int_idstitch__events_anchored') }}

),

origins_before as (

    {#- the person (its anchor rank) each origin of a linking event was in before it #}
    select
        link_items.event_rank,
        link_items.origin_rank,
        link_groups.group_id as group_rank
    from link_items
    inner join link_groups
        on link_items.item_rank = link_groups.item_rank

),

identifiers_before as (

    select
        link_identifiers.event_rank,
        origins_before.group_rank,
        resolved.identifier_type,
        resolved.identifier_value,
        min(origins_before.group_rank) over (partition by link_identifiers.event_rank) as surviving_group_rank,
        row_number() over (
            partition by link_identifiers.event_rank, origins_before.group_rank
            order by {{ idstitch.identifier_order('resolved.identifier_type', 'resolved.identifier_value') }}
        ) as identifier_rank
    from link_identifiers
    inner join origins_before
        on
            link_identifiers.event_rank = origins_before.event_rank
            and link_identifiers.origin_rank = origins_before.origin_rank
    inner join resolved
        on link_identifiers.node_id = resolved.node_id

),

first_identifiers as (

    select * from identifiers_before
    where identifier_rank = 1

),

retirements as (

    select
        retired.event_rank,
        retired.group_rank as retired_anchor_rank,
        retired.identifier_type as retired_identifier_type,
        retired.identifier_value as retired_identifier_value,
        surviving.identifier_type as surviving_identifier_type,
        surviving.identifier_value as surviving_identifier_value
    from first_identifiers as retired
    inner join first_identifiers as surviving
        on
            retired.event_rank = surviving.event_rank
            and retired.surviving_group_rank = surviving.group_rank
    where retired.group_rank <> retired.surviving_group_rank

),

final as (

    select
        {{ idstitch.person_id('retired_anchor.identifier_type', 'retired_anchor.identifier_value') }}
            as retired_person_id,
        retired_anchor.person_id,
        events.received_at as merged_at,
        events.source_name,
        {{ idstitch.event_table_name('events.event_type') }} as event_table,
        events.event_id,
        retirements.retired_identifier_type,
        {{ idstitch.identifier_lookup_value(
            'retirements.retired_identifier_type', 'retirements.retired_identifier_value', idstitch.index_key_sql()
        ) }} as retired_identifier_value,
        retirements.surviving_identifier_type,
        {{ idstitch.identifier_lookup_value(
            'retirements.surviving_identifier_type', 'retirements.surviving_identifier_value', idstitch.index_key_sql()
        ) }} as surviving_identifier_value
    from retirements
    inner join resolved as retired_anchor
        on retirements.retired_anchor_rank = retired_anchor.anchor_rank
    inner join events
        on retirements.event_rank = events.event_rank

)

select * from final
