{#- Every identify call once (deduplicated by message id), with its person, its
    normalised identifiers and every trait column. -#}
{%- set columns = idstitch.staged_identifies_columns() -%}
{%- set id_traits = idstitch.id_trait_columns(idstitch.identifies_columns()) -%}
{%- set normalised = ['external_id', 'email', 'phone'] + id_traits -%}
{%- set pivoted = [] -%}
{%- set pivoted_columns = [] -%}
{%- for trait in normalised if trait not in ['external_id', 'email'] -%}
{%- do pivoted.append(
        "max(case when source_column = '" ~ trait ~ "' then identifier_value end) as " ~ adapter.quote(trait)
    ) -%}
{%- do pivoted_columns.append('identifiers_pivoted.' ~ adapter.quote(trait)) -%}
{%- endfor -%}
{%- set trait_columns = [] -%}
{%- for name in columns[5:] if name not in normalised -%}
{%- do trait_columns.append('identifies.' ~ adapter.quote(name)) -%}
{%- endfor -%}

with

identifies as (

    select
        *,
        {{ idstitch.event_key("'identify'", 'event_id') }} as event_key
    from {{ ref('int_identifies_deduplicated') }}

),

events as (

    select * from {{ ref('int_events_attributed') }}
    where event_type = 'identify'

),

event_identifiers as (

    select * from {{ ref('int_event_identifiers_extracted') }}
    where event_type = 'identify' and rejection_reason is null

),

identifiers_pivoted as (

    select
        event_key,
        max(case when source_column = 'anonymous_id' then identifier_value end) as anonymous_id,
        {{ idstitch.select_list(pivoted, trailing_comma=true) }}
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
        identifies.event_id as id,
        events.person_id,
        identifies.user_id,
        identifiers_pivoted.anonymous_id,
        identifiers_pivoted.external_id,
        identifiers_pivoted.email,
        {{ idstitch.select_list(pivoted_columns, trailing_comma=true) }}
        identifies.event_at as {{ adapter.quote('timestamp') }},
        {{ idstitch.select_list(trait_columns, trailing_comma=true) }}
        identifies.received_at
    from identifies
    left join events
        on identifies.event_key = events.event_key
    left join identifiers_pivoted
        on identifies.event_key = identifiers_pivoted.event_key

)

select * from final
