{{ config(
    materialized=idstitch.persisted_materialization(),
    incremental_strategy='append',
    on_schema_change='sync_all_columns',
    pre_hook="{{ idstitch.clear_for_rebuild(idstitch.scope_events_condition('id', 'identify', source_column='source_name')) }}"
) }}
{#- Every identify call once (deduplicated by message id within its source, source_name),
    with its person, its
    normalised identifiers and every trait column. With encryption on, user_id,
    external_id, email, phone and every trait are ciphertext bound to the person and
    the column (idstitch.protect). Calls of forgotten persons are left out. -#}
{%- set identifier_traits = idstitch.identifier_trait_columns() -%}

-- depends_on: {{ ref('int_idstitch__scope_events') }}

with

identifies as (

    select
        *,
        {{ idstitch.event_key("'identify'", 'event_id', 'source_name') }} as event_key
    from {{ ref('int_idstitch__identifies_deduplicated') }}
    where {{ idstitch.in_scope(event_key_expr=idstitch.event_key("'identify'", 'event_id', 'source_name')) }}

),

suppressed as (

    select * from {{ ref('int_idstitch__events_suppressed') }}
    where event_type = 'identify'

),

person_keys as (

    select * from {{ ref('int_idstitch__person_keys') }}

),

events as (

    select * from {{ ref('int_idstitch__events_attributed') }}
    where event_type = 'identify'

),

identifier_values as (

    {#- the graph's identifiers and the hubs it leaves out: a hub is still what the call sent #}
    select
        node_id,
        identifier_value
    from {{ ref('int_idstitch__identifiers_collected') }}
    union all
    select
        node_id,
        identifier_value
    from {{ ref('int_idstitch__identifier_hubs') }}

),

event_identifiers as (

    select
        accepted.event_key,
        accepted.source_column,
        accepted.identifier_type,
        identifier_values.identifier_value
    from {{ ref('int_idstitch__event_identifiers_accepted') }} as accepted
    inner join identifier_values
        on accepted.node_id = identifier_values.node_id
    where
        accepted.event_type = 'identify'
        and {{ idstitch.in_scope(event_key_expr='accepted.event_key') }}

),

identifiers_pivoted as (

    select
        event_key,
        max(case when source_column = 'anonymous_id' then identifier_value end) as anonymous_id,
        {%- for trait in ['phone'] + idstitch.id_trait_columns() %}
        max(case when source_column = '{{ trait }}' then identifier_value end)
            as {{ idstitch.quote_identifier(trait) }},
        {%- endfor %}
        {#- a trait wins over the same type derived from user_id #}
        coalesce(
            max(case when source_column = 'external_id' then identifier_value end),
            max(case when source_column = 'user_id' and identifier_type = 'external_id' then identifier_value end)
        ) as external_id,
        coalesce(
            max(case when source_column = 'email' then identifier_value end),
            max(case when source_column = 'user_id' and identifier_type = 'email' then identifier_value end)
        ) as email
    from event_identifiers
    group by event_key

),

final as (

    select
        identifies.source_name,
        identifies.event_id as id,
        events.person_id,
        {{ idstitch.protect('identifies.user_id', 'user_id', 'events.person_id') }} as user_id,
        identifiers_pivoted.anonymous_id,
        {{ idstitch.protect('identifiers_pivoted.external_id', 'external_id', 'events.person_id') }} as external_id,
        {{ idstitch.protect('identifiers_pivoted.email', 'email', 'events.person_id') }} as email,
        {{ idstitch.protect('identifiers_pivoted.phone', 'phone', 'events.person_id') }} as phone,
        {%- for trait in idstitch.id_trait_columns() %}
        identifiers_pivoted.{{ idstitch.quote_identifier(trait) }},
        {%- endfor %}
        identifies.event_at as {{ idstitch.quote_identifier('timestamp') }},
        {%- for trait in idstitch.identifies_trait_columns() if trait not in identifier_traits %}
        {{ idstitch.protect('identifies.' ~ idstitch.quote_identifier(trait), trait, 'events.person_id') }}
            as {{ idstitch.quote_identifier(trait) }},
        {%- endfor %}
        identifies.received_at
    from identifies
    left join events
        on identifies.event_key = events.event_key
    left join identifiers_pivoted
        on identifies.event_key = identifiers_pivoted.event_key
    {#- person_keys is read by idstitch.protect when encrypting #}
    left join person_keys  -- noqa: ST11
        on events.person_id = person_keys.person_id
    where not exists (
        select 1 from suppressed
        where suppressed.event_key = identifies.event_key
    )

)

select * from final
