{{ config(
    materialized=idstitch.persisted_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ idstitch.clear_for_rebuild(idstitch.scope_event_rows_condition()) }}"
) }}
{#- Every identify, track, page, screen and alias event once (deduplicated by message id
    within its source, source_name) with the person it belongs to now, so "who viewed the
    pricing page" is one join of the raw pages table on event_id (and source_name). person_id is null when the event carried no usable
    identifier (counted in idstitch_data_quality). Events of forgotten persons are left
    out. No identifier values: nothing here needs protecting. -#}

-- depends_on: {{ ref('int_idstitch__scope_events') }}
-- depends_on: {{ ref('int_idstitch__scope_nodes') }}

with

events as (

    select * from {{ ref('int_idstitch__events_deduplicated') }}
    where {{ idstitch.in_scope(event_key_expr='event_key') }}

),

attributed as (

    select * from {{ ref('int_idstitch__events_attributed') }}

),

suppressed as (

    select * from {{ ref('int_idstitch__events_suppressed') }}

),

final as (

    select
        events.source_name,
        {{ idstitch.event_table_name('events.event_type') }} as event_table,
        events.event_id,
        attributed.person_id,
        events.event_at as {{ idstitch.quote_identifier('timestamp') }},
        events.received_at
    from events
    left join attributed
        on
            events.event_type = attributed.event_type
            and events.event_key = attributed.event_key
    where not exists (
        select 1 from suppressed
        where
            suppressed.event_type = events.event_type
            and suppressed.event_key = events.event_key
    )

)

select * from final
