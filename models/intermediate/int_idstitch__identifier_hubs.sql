{{ config(
    materialized=idstitch.persisted_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    tags=['idstitch_plain_text'],
    pre_hook="{{ idstitch.clear_for_rebuild(idstitch.scope_identifiers_condition('node_id')) }}"
) }}
{#- The quarantined hubs (docs/contract.md, "Hubs"): every identifier seen in events with
    more than var idstitch_hub_max_persons distinct identifiers of one type that counts
    toward it (macros/identifiers/hub_quarantine.sql), with that type, the count, how
    often it was seen and its first event. The graph leaves them out
    (int_idstitch__event_identifiers_kept). A function of the set of events: counted over
    every accepted event of the identifier, also in a scoped build, where the candidates
    are the identifiers of the scope's events (int_idstitch__scope_events) and every
    other row stays. Events are only added between scoped builds, so a hub stays one;
    what removes events (a forgotten person, changed rules) rebuilds everything. Empty
    when the quarantine is off. -#}
{%- set limit = idstitch.hub_max_persons() %}

-- depends_on: {{ ref('int_idstitch__scope_events') }}

with

accepted as (

    select * from {{ ref('int_idstitch__event_identifiers_accepted') }}

),

events as (

    select * from {{ ref('int_idstitch__events_deduplicated') }}

),

dictionary as (

    select * from {{ ref('int_idstitch__identifier_values_normalised') }}
    where rejection_reason is null

),

candidate_events as (

    {#- every accepted event of a candidate: every identifier in a full build; in a
        scoped build those of the scope's events, with all of their events #}
    select
        accepted.event_type,
        accepted.event_key,
        accepted.identifier_type,
        accepted.node_id
    from accepted
    {%- if limit is none %}
    where 1 = 0
    {%- else %}
    where {{ idstitch.scope_identifiers_condition('accepted.node_id') }}
    {%- endif %}

),

linked as (

    select distinct
        candidate_events.node_id,
        candidate_events.identifier_type,
        linked_identifiers.identifier_type as linked_type,
        linked_identifiers.node_id as linked_node_id
    from candidate_events
    inner join accepted as linked_identifiers
        on
            candidate_events.event_type = linked_identifiers.event_type
            and candidate_events.event_key = linked_identifiers.event_key
    where {{ idstitch.counts_toward_hub('candidate_events.identifier_type', 'linked_identifiers.identifier_type') }}

),

overflowing as (

    select
        node_id,
        identifier_type,
        linked_type,
        count(*) as linked_count
    from linked
    group by node_id, identifier_type, linked_type
    having count(*) > {{ limit if limit is not none else 0 }}

),

hubs as (

    {#- of several types over the limit, the one it is linked to most (then precedence) #}
    select * from (
        select
            *,
            row_number() over (
                partition by node_id
                order by
                    linked_count desc,
                    {{ idstitch.identifier_precedence_rank('linked_type') }} asc,
                    {{ idstitch.binary_order('linked_type') }} asc
            ) as type_rank
        from overflowing
    ) as ranked
    where type_rank = 1

),

hub_events as (

    select
        hubs.node_id,
        events.source_name,
        events.event_type,
        events.event_id,
        events.event_at,
        events.received_at,
        row_number() over (
            partition by hubs.node_id
            order by {{ idstitch.event_order(
                'events.received_at', 'events.event_type', 'events.event_id', 'events.source_name'
            ) }}
        ) as event_rank
    from hubs
    inner join candidate_events
        on hubs.node_id = candidate_events.node_id
    inner join events
        on
            candidate_events.event_type = events.event_type
            and candidate_events.event_key = events.event_key

),

seen as (

    select
        node_id,
        count(*) as event_count,
        min(event_at) as first_seen_at,
        max(event_at) as last_seen_at
    from hub_events
    group by node_id

),

node_values as (

    select distinct
        dictionary.node_id,
        dictionary.identifier_value
    from dictionary
    inner join hubs
        on dictionary.node_id = hubs.node_id

),

final as (

    select
        hubs.node_id,
        hubs.identifier_type,
        node_values.identifier_value,
        hubs.linked_type,
        hubs.linked_count,
        {{ limit if limit is not none else 'cast(null as ' ~ dbt.type_int() ~ ')' }} as hub_max_persons,
        seen.event_count,
        seen.first_seen_at,
        seen.last_seen_at,
        first_events.source_name as first_source_name,
        first_events.event_type as first_event_type,
        first_events.event_id as first_event_id,
        first_events.received_at as first_received_at
    from hubs
    inner join seen
        on hubs.node_id = seen.node_id
    inner join hub_events as first_events
        on
            hubs.node_id = first_events.node_id
            and first_events.event_rank = 1
    inner join node_values
        on hubs.node_id = node_values.node_id

)

select * from final
