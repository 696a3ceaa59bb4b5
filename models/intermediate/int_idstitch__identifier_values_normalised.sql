{{ config(
    materialized=idstitch.persisted_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    tags=['idstitch_plain_text'],
    pre_hook="{{ idstitch.clear_for_rebuild() }}"
) }}
{#- The identifier dictionary: every distinct raw value of every identifier column,
    normalised, typed, hashed to its node id or rejected, once. Events repeat the
    same anonymous and user ids many times over, so doing this per distinct value
    instead of per event is most of the speed of the pipeline. Built from the
    deduplicated events; persisted: a scoped build (macros/package/incremental_builds.sql)
    adds the values of the events written since the last one that it does not hold. -#}
{%- set traits = idstitch.identifier_trait_columns() -%}
{%- set scoped = idstitch.scoped_build() -%}

with

identifies as (

    select * from {{ ref('int_idstitch__identifies_deduplicated') }}
    {%- if scoped %}
    where loaded_at > {{ idstitch.newest_loaded_at(this) }}
    {%- endif %}

),

events as (

    select * from {{ ref('int_idstitch__events_deduplicated') }}
    {%- if scoped %}
    where loaded_at > {{ idstitch.newest_loaded_at(this) }}
    {%- endif %}

),

raw_values as (

    {%- for column in ['anonymous_id', 'user_id'] %}
    select '{{ column }}' as source_column, {{ column }} as raw_value from events
    where {{ column }} is not null
    union all
    {%- endfor %}
    {#- an alias call's previous_id is read as a user_id (macro alias_previous_id) #}
    select
        'user_id' as source_column,
        previous_id as raw_value
    from events
    where previous_id is not null
    union all
    {%- for trait in traits %}
    select
        '{{ trait }}' as source_column,
        cast({{ idstitch.quote_identifier(trait) }} as {{ dbt.type_string() }}) as raw_value
    from identifies
    where {{ idstitch.quote_identifier(trait) }} is not null
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
    {%- if traits | length == 0 %}
    select 'user_id' as source_column, user_id as raw_value from identifies where 1 = 0
    {%- endif %}

),

distinct_values as (

    select
        source_column,
        raw_value
    from raw_values
    {%- if scoped %}
    where
        not exists (
            select 1 from {{ this }} as known
            where
                known.source_column = raw_values.source_column
                and known.raw_value = raw_values.raw_value
        )
    {%- endif %}
    group by source_column, raw_value

),

typed as (

    select
        source_column,
        raw_value,
        {{ idstitch.identifier_type('source_column', 'raw_value') }} as identifier_type
    from distinct_values

),

normalised as (

    select
        source_column,
        raw_value,
        identifier_type,
        {{ idstitch.normalised_value('identifier_type', 'raw_value') }} as normalised_value
    from typed

),

classified as (

    select
        *,
        {{ idstitch.rejection_reason('identifier_type', 'raw_value', 'normalised_value') }} as rejection_reason
    from normalised

),

final as (

    select
        source_column,
        raw_value,
        identifier_type,
        case when rejection_reason is null then normalised_value end as identifier_value,
        case
            when rejection_reason is null
                then {{ idstitch.node_id('identifier_type', 'normalised_value') }}
        end as node_id,
        rejection_reason,
        {{ idstitch.loaded_at() }} as loaded_at,
        '{{ idstitch.rules_fingerprint() }}' as rules_fingerprint
    from classified

)

select * from final
