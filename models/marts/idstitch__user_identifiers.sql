{{ config(
    materialized=idstitch.persisted_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ idstitch.clear_for_rebuild(idstitch.previous_persons_condition()) }}"
) }}
{#- Every identifier seen, anonymous-only visitors included, with its person. With
    encryption on, values of the types in var idstitch_hashed_identifier_types
    (email, phone) are keyed hashes `h1:<hex>`; look them up through the helper. -#}

-- depends_on: {{ ref('int_idstitch__scope_nodes') }}

with

resolved as (

    select * from {{ ref('int_idstitch__identifiers_resolved') }}
    where {{ idstitch.in_scope(node_id_expr='node_id') }}

),

final as (

    select
        person_id,
        identifier_type,
        {{ idstitch.identifier_lookup_value('identifier_type', 'identifier_value', idstitch.index_key_sql()) }}
            as identifier_value,
        first_seen_at,
        last_seen_at,
        event_count
    from resolved

)

select * from final
