{{ config(
    materialized=idstitch.persisted_materialization(),
    incremental_strategy='delete+insert',
    unique_key=['source_name', 'event_id'],
    on_schema_change='sync_all_columns',
    tags=['idstitch_plain_text'],
    pre_hook="{{ idstitch.clear_for_rebuild() }}"
) }}
{#- One row per identify message id of each source (see macro deduplicate_events for the
    rule), with loaded_at, when the build that wrote it started. Persisted: a scoped build
    (macros/package/incremental_builds.sql) reads the rows received since the last one
    (each source's lookback from its own newest row, received_since_per_source) and writes
    a message id only when it is new or its new copy wins over the kept one;
    a trait column new in the raw table is null in the copies kept before. -#}
{%- set columns = idstitch.staged_identifies_columns() -%}
{%- set quoted = [] -%}
{%- for name in columns -%}
{%- do quoted.append(idstitch.quote_identifier(name)) -%}
{%- endfor %}
{%- set kept_columns = [] -%}
{%- for column in (adapter.get_columns_in_relation(this) if idstitch.scoped_build() else []) -%}
{%- do kept_columns.append(column.name | lower) -%}
{%- endfor %}

with

identifies as (

    select * from {{ ref('stg_idstitch__identifies') }}
    where {{ idstitch.received_since_per_source(this) }}

),

candidates as (

    select
        {{ quoted | join(', ') }},
        has_unreadable_timestamp,
        0 as stored_copy
    from identifies
    {%- if idstitch.scoped_build() %}
    union all
    select
        {%- for name in columns %}
        {% if name | lower in kept_columns %}{{ idstitch.quote_identifier(name) }}{% else %}null{% endif %}
            as {{ idstitch.quote_identifier(name) }},
        {%- endfor %}
        false as has_unreadable_timestamp,
        1 as stored_copy
    from {{ this }} as kept
    where kept.event_id in (select new_rows.event_id from identifies as new_rows)
    {%- endif %}

),

deduplicated as (

    {{ idstitch.deduplicate_events('candidates', columns, 'stored_copy') }}

),

final as (

    select
        {{ quoted | join(', ') }},
        {{ idstitch.loaded_at() }} as loaded_at
    from deduplicated
    where stored_copy = 0

)

select * from final
