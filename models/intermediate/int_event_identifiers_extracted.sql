{#- One row per (event, candidate identifier value): which column it came from, its
    type and 64-bit node id (values: int_identifier_values_normalised), or why it is no
    identifier (rejection_reason; rejected rows keep the raw value so they can be
    counted and shown). Integers and short codes only: it is the widest table. -#}
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

dictionary as (

    select * from {{ ref('int_identifier_values_normalised') }}

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
        cast({{ trait }} as {{ dbt.type_string() }}) as raw_value
    from identifies
    where {{ trait }} is not null{{ not_from_user_id.get(trait, '') }}
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
