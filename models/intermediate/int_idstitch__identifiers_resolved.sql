{{ config(
    materialized=idstitch.persisted_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    tags=['idstitch_plain_text'],
    pre_hook="{{ idstitch.clear_for_rebuild('node_id in (select node_id from ' ~ ref('int_idstitch__scope_nodes') ~ ')') }}"
) }}
{#- Every identifier with its person: person_id is the md5 of 'type:value' of the
    component's anchor, its identifier of smallest anchor_rank (macros/identifiers/
    anchor.sql; keyed with encryption on: macros/privacy/keyed_ids.sql), so it stays
    when the person gains identifiers; the canonical identifier, which names the person,
    is the first in canonical_order (macros/identifiers/precedence.sql). Persisted: a
    scoped build (macros/package/incremental_builds.sql) replaces the rows of its scope
    (int_idstitch__scope_nodes), and events_loaded_through says up to which extracted
    events the persons are resolved. anchor_rank is only comparable within one build:
    read it for the scope's rows only. -#}

-- depends_on: {{ ref('int_idstitch__scope_nodes') }}

with

identifiers as (

    select * from {{ ref('int_idstitch__identifiers_collected') }}

),

components as (

    select * from {{ ref('int_idstitch__identifiers_clustered') }}

),

with_component as (

    select
        identifiers.*,
        coalesce(components.component_id, identifiers.node_id) as component_id
    from identifiers
    left join components
        on identifiers.node_id = components.node_id

),

ranked as (

    select
        *,
        row_number() over (
            partition by component_id
            order by
                {{ idstitch.canonical_order('identifier_type', 'identifier_value', 'first_seen_at') }}
        ) as canonical_rank
    from with_component

),

canonical as (

    select
        component_id,
        identifier_type as canonical_id_type,
        identifier_value as canonical_id_value
    from ranked
    where canonical_rank = 1

),

anchors as (

    select
        component_id,
        min(anchor_rank) as anchor_rank
    from with_component
    group by component_id

),

person_ids as (

    select
        anchors.component_id,
        with_component.node_id as anchor_node_id,
        {{ idstitch.person_id('with_component.identifier_type', 'with_component.identifier_value') }} as person_id
    from anchors
    inner join with_component
        on anchors.anchor_rank = with_component.anchor_rank

),

resolved as (

    select
        person_ids.person_id,
        ranked.node_id,
        ranked.identifier_type,
        ranked.identifier_value,
        ranked.first_seen_at,
        ranked.last_seen_at,
        ranked.event_count,
        ranked.component_id,
        ranked.anchor_rank,
        person_ids.anchor_node_id,
        canonical.canonical_id_type,
        canonical.canonical_id_value,
        ranked.canonical_rank = 1 as is_canonical,
        (select max(extracted.loaded_at) from {{ ref('int_idstitch__event_identifiers_extracted') }} as extracted)
            as events_loaded_through
    from ranked
    inner join canonical
        on ranked.component_id = canonical.component_id
    inner join person_ids
        on ranked.component_id = person_ids.component_id

)

select * from resolved
