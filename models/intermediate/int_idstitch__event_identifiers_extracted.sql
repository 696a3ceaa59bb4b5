{{ config(tags=['idstitch_plain_text']) }}
{#- One row per (event, candidate identifier value): which column it came from, its
    type and 64-bit node id (values: int_idstitch__identifier_values_normalised), or why it is no
    identifier (rejection_reason; rejected rows keep the raw value so they can be
    counted and shown). Integers and short codes only: it is the widest table. -#}
{%- set traits = idstitch.identifier_trait_columns() -%}

with

events as (

    select * from {{ ref('int_idstitch__events_deduplicated') }}

),

identifies as (

    select * from {{ ref('int_idstitch__identifies_deduplicated') }}

),

dictionary as (

    select * from {{ ref('int_idstitch__identifier_values_normalised') }}

),

candidates as (

    select
        event_type,
        event_key,
        event_at,
        'anonymous_id' as source_column,
        anonymous_id as raw_value
    from events
    where anonymous_id is not null

    union all

    select
        event_type,
        event_key,
        event_at,
        'user_id' as source_column,
        user_id as raw_value
    from events
    where user_id is not null

    {#- Identify traits. A trait equal to what user_id already gave the event is not
        emitted twice (user_id 83561 with external_id 83561 is one identifier). -#}
    {%- for trait in traits %}

    union all

    select
        'identify' as event_type,
        {{ idstitch.event_key("'identify'", 'event_id') }} as event_key,
        event_at,
        '{{ trait }}' as source_column,
        cast({{ idstitch.quote_identifier(trait) }} as {{ dbt.type_string() }}) as raw_value
    from identifies
    where
        {{ idstitch.quote_identifier(trait) }} is not null
        and {{ idstitch.differs_from_user_id(trait, idstitch.quote_identifier(trait), 'user_id') }}
    {%- endfor %}

),

final as (

    select
        candidates.event_type,
        candidates.event_key,
        candidates.event_at,
        candidates.source_column,
        dictionary.identifier_type,
        dictionary.node_id,
        dictionary.rejection_reason,
        case when dictionary.rejection_reason is not null then candidates.raw_value end as rejected_value
    from candidates
    inner join dictionary
        on
            candidates.source_column = dictionary.source_column
            and candidates.raw_value = dictionary.raw_value

)

select * from final
