{{ config(materialized='table') }}
{#- What the guards kept apart (docs/contract.md, "Hubs"): one row per quarantined hub
    (rule `hub_quarantine`), with the type it was seen with too many of, how many, the
    limit, and its first event (source, table, message id). A hub links nothing and belongs to no person, so the
    other identifier and both persons are empty for this rule. Rebuilt whole by every
    build from int_idstitch__identifier_hubs, which holds few rows. With encryption on,
    values are protected as in user_identifiers. -#}

with

hubs as (

    select * from {{ ref('int_idstitch__identifier_hubs') }}

),

final as (

    select
        'hub_quarantine' as rule,  -- noqa: RF04
        identifier_type,
        {{ idstitch.identifier_lookup_value('identifier_type', 'identifier_value', idstitch.index_key_sql()) }}
            as identifier_value,
        cast(null as {{ dbt.type_string() }}) as other_identifier_type,
        cast(null as {{ dbt.type_string() }}) as other_identifier_value,
        cast(null as {{ dbt.type_string() }}) as person_id,
        cast(null as {{ dbt.type_string() }}) as other_person_id,
        linked_type as limit_type,
        hub_max_persons as limit_value,
        linked_count as observed_count,
        event_count,
        first_seen_at,
        last_seen_at,
        first_source_name as source_name,
        {{ idstitch.event_table_name('first_event_type') }} as event_table,
        first_event_id as event_id,
        first_received_at as received_at
    from hubs

)

select * from final
