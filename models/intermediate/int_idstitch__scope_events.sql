{{ config(tags=['idstitch_plain_text']) }}
{#- Scoped builds (macros/package/incremental_builds.sql): the events whose rows this
    build writes again: every event that carries an identifier of the scope
    (int_idstitch__scope_nodes), and the events written since the persons were last
    resolved (those without any identifier too). Empty in every other build. -#}
{%- set resolved = idstitch.model_relation('int_idstitch__identifiers_resolved') if idstitch.scoped_build() else none %}

with

extracted as (

    select * from {{ ref('int_idstitch__event_identifiers_extracted') }}

),

scope_nodes as (

    select * from {{ ref('int_idstitch__scope_nodes') }}

),

events as (

    select * from {{ ref('int_idstitch__events_deduplicated') }}

),

scope_event_keys as (

    select extracted.event_key
    from extracted
    inner join scope_nodes
        on extracted.node_id = scope_nodes.node_id
    {%- if resolved is not none %}
    union
    select events.event_key
    from events
    where events.loaded_at > (select max(previous.events_loaded_through) from {{ resolved }} as previous)
    {%- endif %}

),

final as (

    select
        events.event_type,
        events.event_key,
        events.source_name,
        events.event_id
    from events
    inner join scope_event_keys
        on events.event_key = scope_event_keys.event_key

)

select * from final
