{#- One row per (event, candidate identifier value): which column it came from, its
    type and normalised value, its 64-bit node id, or why it is no identifier
    (rejection_reason; rejected rows keep the raw value so they can be counted and
    shown, accepted rows do not). -#}
{%- set id_traits = idstitch.id_trait_columns(idstitch.identifies_columns()) -%}
{#- Identifier traits the identifies table has; a missing column has no identifiers. -#}
{%- set present = idstitch.staged_identifies_columns() -%}
{%- set traits = [] -%}
{%- for trait in ['external_id', 'email', 'phone'] + id_traits if trait in present -%}
{%- do traits.append(trait) -%}
{%- endfor -%}
{%- set email_shaped = idstitch.regexp_matches(idstitch.trim_whitespace('user_id'), idstitch.email_pattern()) -%}
{%- set user_id_is_email = "(user_id like '%@%' and " ~ email_shaped ~ ")" -%}
{#- A trait equal to what user_id already gave the event is not emitted twice. -#}
{%- set not_from_user_id = {
    'external_id': ' and (user_id is null or ' ~ user_id_is_email ~ ' or '
        ~ idstitch.normalise_identifier('external_id', 'user_id') ~ ' <> '
        ~ idstitch.normalise_identifier('external_id', 'cast(external_id as ' ~ dbt.type_string() ~ ')') ~ ')',
    'email': ' and (user_id is null or not ' ~ user_id_is_email ~ ' or '
        ~ idstitch.normalise_identifier('email', 'user_id') ~ ' <> '
        ~ idstitch.normalise_identifier('email', 'email') ~ ')',
} -%}

with

events as (

    select * from {{ ref('int_events_deduplicated') }}

),

identifies as (

    select * from {{ ref('int_identifies_deduplicated') }}

),

candidates as (

    select
        event_type, event_key, event_at,
        'anonymous_id' as source_column,
        'anonymous_id' as identifier_type,
        anonymous_id as raw_value,
        {{ idstitch.normalise_identifier('anonymous_id', 'anonymous_id') }} as normalised_value
    from events
    where anonymous_id is not null

    union all

    select
        event_type, event_key, event_at,
        'user_id' as source_column,
        case when {{ user_id_is_email }} then 'email' else 'external_id' end as identifier_type,
        user_id as raw_value,
        case
            when {{ user_id_is_email }} then {{ idstitch.normalise_identifier('email', 'user_id') }}
            else {{ idstitch.normalise_identifier('external_id', 'user_id') }}
        end as normalised_value
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
        '{{ trait }}' as identifier_type,
        cast({{ trait }} as {{ dbt.type_string() }}) as raw_value,
        {{ idstitch.normalise_identifier(trait, 'cast(' ~ trait ~ ' as ' ~ dbt.type_string() ~ ')') }}
            as normalised_value
    from identifies
    where {{ trait }} is not null{{ not_from_user_id.get(trait, '') }}
    {%- endfor %}

),

classified as (

    select
        event_type,
        event_key,
        event_at,
        source_column,
        identifier_type,
        normalised_value,
        raw_value,
        {{ idstitch.rejection_reason('identifier_type', 'raw_value', 'normalised_value') }} as rejection_reason
    from candidates

),

final as (

    select
        event_type,
        event_key,
        event_at,
        source_column,
        identifier_type,
        case when rejection_reason is null then normalised_value end as identifier_value,
        case
            when rejection_reason is null
                then {{ idstitch.node_hash(dbt.concat(['identifier_type', "':'", 'normalised_value'])) }}
        end as node_id,
        rejection_reason,
        case when rejection_reason is not null then raw_value end as rejected_value
    from classified

)

select * from final
