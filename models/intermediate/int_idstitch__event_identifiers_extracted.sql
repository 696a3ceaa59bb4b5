{{ config(
    materialized=idstitch.persisted_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    tags=['idstitch_plain_text'],
    pre_hook="{{ idstitch.clear_for_rebuild(idstitch.events_written_since_condition()) }}"
) }}
{#- One row per (event, candidate identifier value): which column it came from, its
    type and 64-bit node id (values: int_idstitch__identifier_values_normalised), or why it is no
    identifier (rejection_reason; rejected rows keep the raw value so they can be
    counted and shown); an alias call's previous_id is looked up as a user_id, and its event's loaded_at. Integers and short codes only: it is
    the widest table. Persisted: a scoped build (macros/package/incremental_builds.sql)
    extracts the events written since the last one, after deleting the rows of their
    earlier copies (int_idstitch__nodes_superseded has read them first). -#}
{%- set traits = idstitch.identifier_trait_columns() -%}
{%- set scoped = idstitch.scoped_build() -%}

-- depends_on: {{ ref('int_idstitch__nodes_superseded') }}

with

events as (

    select * from {{ ref('int_idstitch__events_deduplicated') }}
    {%- if scoped %}
    where loaded_at > {{ idstitch.newest_loaded_at(this) }}
    {%- endif %}

),

identifies as (

    select * from {{ ref('int_idstitch__identifies_deduplicated') }}
    {%- if scoped %}
    where
        (source_name, event_id) in (
            select
                written.source_name,
                written.event_id
            from events as written
            where written.event_type = 'identify'
        )
    {%- endif %}

),

dictionary as (

    select * from {{ ref('int_idstitch__identifier_values_normalised') }}

),

candidates as (

    select
        event_type,
        event_key,
        event_at,
        loaded_at,
        'anonymous_id' as source_column,
        'anonymous_id' as dictionary_column,
        anonymous_id as raw_value
    from events
    where anonymous_id is not null

    union all

    select
        event_type,
        event_key,
        event_at,
        loaded_at,
        'user_id' as source_column,
        'user_id' as dictionary_column,
        user_id as raw_value
    from events
    where user_id is not null

    union all

    {#- an alias call's previous_id (macro alias_previous_id), typed like a user_id: the
        dictionary holds it under user_id #}
    select
        event_type,
        event_key,
        event_at,
        loaded_at,
        'previous_id' as source_column,
        'user_id' as dictionary_column,
        previous_id as raw_value
    from events
    where previous_id is not null

    {#- Identify traits. A trait equal to what user_id already gave the event is not
        emitted twice (user_id 83561 with external_id 83561 is one identifier). -#}
    {%- for trait in traits %}

    union all

    select
        'identify' as event_type,
        {{ idstitch.event_key("'identify'", 'event_id', 'source_name') }} as event_key,
        event_at,
        loaded_at,
        '{{ trait }}' as source_column,
        '{{ trait }}' as dictionary_column,
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
        case when dictionary.rejection_reason is not null then candidates.raw_value end as rejected_value,
        candidates.loaded_at
    from candidates
    inner join dictionary
        on
            candidates.dictionary_column = dictionary.source_column
            and candidates.raw_value = dictionary.raw_value

)

select * from final
