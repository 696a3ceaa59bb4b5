{{ config(tags=['idstitch_plain_text']) }}
{#- Scoped builds: the identifiers of the earlier copies of the events written again
    (a new message, or a copy that won over the kept one), read from
    int_idstitch__event_identifiers_extracted as the last build left it, before this
    build extracts those events again. Their persons are recomputed
    (int_idstitch__scope_nodes). Empty in every other build. -#}
{%- set extracted = none -%}
{%- if idstitch.scoped_build() -%}
{%- set extracted = idstitch.model_relation('int_idstitch__event_identifiers_extracted') -%}
{%- endif %}

with

events as (

    select * from {{ ref('int_idstitch__events_deduplicated') }}

),

superseded as (

    {%- if extracted is not none %}
    select distinct extracted.node_id
    from {{ extracted }} as extracted
    inner join events
        on extracted.event_key = events.event_key
    where
        events.loaded_at > {{ idstitch.newest_loaded_at(extracted) }}
        and extracted.node_id is not null
    {%- else %}
    {#- none: typed like the identifiers' node ids #}
    select identifier_values.node_id
    from {{ ref('int_idstitch__identifier_values_normalised') }} as identifier_values
    inner join events
        on identifier_values.node_id = events.event_key
    where 1 = 0
    {%- endif %}

)

select * from superseded
