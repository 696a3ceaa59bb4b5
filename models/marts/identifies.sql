{#- Every identify call once (deduplicated by message id), with its person, its
    normalised identifiers and every trait column. With encryption on, user_id,
    external_id, email, phone and every trait are ciphertext bound to the person and
    the column, and calls of forgotten persons are left out. -#}
{%- set encrypted = idstitch.encryption_enabled() -%}
{%- set columns = idstitch.staged_identifies_columns() -%}
{%- set id_traits = idstitch.id_trait_columns(idstitch.identifies_columns()) -%}
{%- set normalised = ['external_id', 'email', 'phone'] + id_traits -%}
{%- set pivoted = [] -%}
{%- set pivoted_columns = [] -%}
{%- for trait in normalised if trait not in ['external_id', 'email'] -%}
{%- do pivoted.append(
        "max(case when source_column = '" ~ trait ~ "' then identifier_value end) as " ~ adapter.quote(trait)
    ) -%}
{%- if trait == 'phone' -%}
{%- do pivoted_columns.append(
        idstitch.protect('identifiers_pivoted.phone', 'phone', 'events.person_id') ~ ' as phone'
    ) -%}
{%- else -%}
{%- do pivoted_columns.append('identifiers_pivoted.' ~ adapter.quote(trait)) -%}
{%- endif -%}
{%- endfor -%}
{%- set trait_columns = [] -%}
{%- for name in columns[5:] if name not in normalised -%}
{%- do trait_columns.append(
        idstitch.protect('identifies.' ~ adapter.quote(name), name, 'events.person_id') ~ ' as ' ~ adapter.quote(name)
    ) -%}
{%- endfor -%}

with

identifies as (

    select
        *,
        {{ idstitch.event_key("'identify'", 'event_id') }} as event_key
    from {{ ref('int_identifies_deduplicated') }}

),
{%- if encrypted %}

suppressed as (

    select * from {{ ref('int_events_suppressed') }}
    where event_type = 'identify'

),

person_keys as (

    select * from {{ ref('int_person_keys') }}

),
{%- endif %}

events as (

    select * from {{ ref('int_events_attributed') }}
    where event_type = 'identify'

),

event_identifiers as (

    select
        kept.event_key,
        kept.source_column,
        kept.identifier_type,
        identifiers.identifier_value
    from {{ ref('int_event_identifiers_kept') }} as kept
    inner join {{ ref('int_identifiers_collected') }} as identifiers
        on kept.node_id = identifiers.node_id
    where kept.event_type = 'identify'

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
        {{ idstitch.protect('identifies.user_id', 'user_id', 'events.person_id') }} as user_id,
        identifiers_pivoted.anonymous_id,
        {{ idstitch.protect('identifiers_pivoted.external_id', 'external_id', 'events.person_id') }} as external_id,
        {{ idstitch.protect('identifiers_pivoted.email', 'email', 'events.person_id') }} as email,
        {{ idstitch.select_list(pivoted_columns, trailing_comma=true) }}
        identifies.event_at as {{ adapter.quote('timestamp') }},
        {{ idstitch.select_list(trait_columns, trailing_comma=true) }}
        identifies.received_at
    from identifies
    left join events
        on identifies.event_key = events.event_key
    left join identifiers_pivoted
        on identifies.event_key = identifiers_pivoted.event_key
    {% if encrypted -%}
    left join person_keys
        on events.person_id = person_keys.person_id
    where not exists (
        select 1 from suppressed
        where suppressed.event_key = identifies.event_key
    )
    {%- endif %}

)

select * from final
