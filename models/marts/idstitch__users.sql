{{ config(
    materialized=idstitch.persisted_materialization(),
    incremental_strategy='append',
    on_schema_change='sync_all_columns',
    pre_hook="{{ idstitch.clear_for_rebuild(idstitch.previous_persons_condition()) }}"
) }}
{#- One row per person with at least one identifier other than anonymous_id. With
    encryption on, the canonical id value, external_id, email, phone and every trait
    are ciphertext bound to the person and the column (idstitch.protect). -#}
{%- set traits = idstitch.trait_columns(idstitch.identifies_columns()) -%}
{%- set present = idstitch.staged_identifies_columns() -%}

-- depends_on: {{ ref('int_idstitch__scope_nodes') }}

with

resolved as (

    select * from {{ ref('int_idstitch__identifiers_resolved') }}
    where {{ idstitch.in_scope(node_id_expr='node_id') }}

),

events as (

    select * from {{ ref('int_idstitch__events_attributed') }}

),

identifies as (

    select
        *,
        {{ idstitch.event_key("'identify'", 'event_id', 'source_name') }} as event_key
    from {{ ref('int_idstitch__identifies_deduplicated') }}

),

persons as (

    select
        person_id,
        min(canonical_id_type) as canonical_id_type,
        min(canonical_id_value) as canonical_id_value,
        count(case when identifier_type = 'anonymous_id' then 1 end) as anonymous_id_count,
        count(*) as identifier_count,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at
    from resolved
    group by person_id
    having count(case when identifier_type <> 'anonymous_id' then 1 end) > 0

),

latest_identifiers as (

    select
        person_id,
        identifier_type,
        identifier_value,
        row_number() over (
            partition by person_id, identifier_type
            order by last_seen_at desc nulls last, {{ idstitch.binary_order('identifier_value') }} asc
        ) as recency_rank
    from resolved
    where identifier_type in ('external_id', 'email', 'phone')

),

contact as (

    select
        person_id,
        max(case when identifier_type = 'external_id' then identifier_value end) as external_id,
        max(case when identifier_type = 'email' then identifier_value end) as email,
        max(case when identifier_type = 'phone' then identifier_value end) as phone
    from latest_identifiers
    where recency_rank = 1
    group by person_id

),

event_counts as (

    select
        person_id,
        count(case when event_type = 'identify' then 1 end) as identify_count,
        count(case when event_type = 'track' then 1 end) as track_count,
        count(case when event_type = 'page' then 1 end) as page_count,
        count(case when event_type = 'screen' then 1 end) as screen_count
    from events
    group by person_id

),

person_traits as (

    select
        {%- for trait in traits %}
        {%- if trait in present %}
        {{ idstitch.newest_trait(trait, 'identifies') }} as {{ idstitch.quote_identifier(trait) }},
        {%- else %}
        cast(null as {{ dbt.type_string() }}) as {{ idstitch.quote_identifier(trait) }},
        {%- endif %}
        {%- endfor %}
        events.person_id
    from identifies
    inner join events
        on
            events.event_type = 'identify'
            and identifies.event_key = events.event_key
    group by events.person_id

),

final as (

    select
        persons.person_id,
        persons.canonical_id_type,
        {{ idstitch.protect('persons.canonical_id_value', 'canonical_id_value', 'persons.person_id') }}
            as canonical_id_value,
        {{ idstitch.protect('contact.external_id', 'external_id', 'persons.person_id') }} as external_id,
        {{ idstitch.protect('contact.email', 'email', 'persons.person_id') }} as email,
        {{ idstitch.protect('contact.phone', 'phone', 'persons.person_id') }} as phone,
        persons.anonymous_id_count,
        persons.identifier_count,
        persons.first_seen_at,
        persons.last_seen_at,
        coalesce(event_counts.identify_count, 0) as identify_count,
        coalesce(event_counts.track_count, 0) as track_count,
        coalesce(event_counts.page_count, 0) as page_count,
        {#- the traits end the list: sqlfluff misreads the indent of a loop there #}
        -- noqa: disable=LT02
        coalesce(event_counts.screen_count, 0) as screen_count
        {%- for trait in traits %},
        {%- set value = idstitch.trait_value(trait, 'person_traits') %}
        {{ idstitch.protect(value, trait, 'persons.person_id') }} as {{ idstitch.quote_identifier(trait) }}
        {%- endfor %}
    -- noqa: enable=LT02
    from persons
    left join contact
        on persons.person_id = contact.person_id
    left join event_counts
        on persons.person_id = event_counts.person_id
    left join person_traits
        on persons.person_id = person_traits.person_id
    left join {{ ref('int_idstitch__person_keys') }} as person_keys
        on persons.person_id = person_keys.person_id

)

select * from final
