{{ config(
    materialized=idstitch.persisted_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ idstitch.clear_for_rebuild(idstitch.previous_persons_condition()) }}"
) }}
{#- The links kept (docs/contract.md, "Links"): every pair of identifiers seen together
    in an event (int_idstitch__identifier_links) whose two identifiers are one person,
    so "why are these two one person" is one query, and a chain of links joins any two
    identifiers of a person. The pair is written in identifier order (precedence, then
    type and value in byte order: the first is identifier_*, the second
    other_identifier_*). With encryption on, identifier values are protected as in
    user_identifiers. A scoped build replaces the rows of the scope's persons. -#}

-- depends_on: {{ ref('int_idstitch__scope_nodes') }}

with

links as (

    select * from {{ ref('int_idstitch__identifier_links') }}

),

resolved as (

    select * from {{ ref('int_idstitch__identifiers_resolved') }}
    where {{ idstitch.in_scope(node_id_expr='node_id') }}

),

joined as (

    select
        links.node_a,
        links.node_b,
        resolved_a.person_id,
        resolved_a.identifier_type as type_a,
        resolved_a.identifier_value as value_a,
        resolved_b.identifier_type as type_b,
        resolved_b.identifier_value as value_b,
        links.first_source_name,
        links.first_event_type,
        links.first_event_id,
        links.first_received_at,
        links.event_count
    from links
    inner join resolved as resolved_a
        on links.node_a = resolved_a.node_id
    inner join resolved as resolved_b
        on links.node_b = resolved_b.node_id
    where resolved_a.person_id = resolved_b.person_id

),

both_ways as (

    {#- each link in its two orientations; the one whose first identifier comes first in
        identifier order is kept #}
    select
        node_a,
        node_b,
        person_id,
        type_a as identifier_type,
        value_a as identifier_value,
        type_b as other_identifier_type,
        value_b as other_identifier_value,
        first_source_name,
        first_event_type,
        first_event_id,
        first_received_at,
        event_count
    from joined
    union all
    select
        node_a,
        node_b,
        person_id,
        type_b as identifier_type,
        value_b as identifier_value,
        type_a as other_identifier_type,
        value_a as other_identifier_value,
        first_source_name,
        first_event_type,
        first_event_id,
        first_received_at,
        event_count
    from joined

),

ordered as (

    select
        *,
        row_number() over (
            partition by node_a, node_b
            order by {{ idstitch.identifier_order('identifier_type', 'identifier_value') }}
        ) as orientation_rank
    from both_ways

),

final as (

    select
        person_id,
        identifier_type,
        {{ idstitch.identifier_lookup_value('identifier_type', 'identifier_value', idstitch.index_key_sql()) }}
            as identifier_value,
        other_identifier_type,
        {{ idstitch.identifier_lookup_value(
            'other_identifier_type', 'other_identifier_value', idstitch.index_key_sql()
        ) }} as other_identifier_value,
        first_source_name as source_name,
        {{ idstitch.event_table_name('first_event_type') }} as event_table,
        first_event_id as event_id,
        first_received_at as first_linked_at,
        event_count
    from ordered
    where orientation_rank = 1

)

select * from final
