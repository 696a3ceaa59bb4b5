{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    full_refresh=false,
    pre_hook=[
        "{{ idstitch.cc_create_rounds_table_sql(idstitch.cc_rounds_relation(ref('int_idstitch__identifiers_clustered'))) }}",
        "{{ idstitch.cc_create_rounds_table_sql(idstitch.cc_rounds_relation(ref('int_idstitch__identifier_origins'))) }}"
    ],
    post_hook=[
        "{{ idstitch.cc_drop_published_rounds(ref('int_idstitch__identifiers_clustered')) }}",
        "{{ idstitch.cc_drop_published_rounds(ref('int_idstitch__identifier_origins')) }}"
    ]
) }}
{#- The components steps' rounds, appended every build and never rebuilt (full_refresh
    off): the idstitch_components materialization leaves its build's records beside
    each of its models, int_idstitch__identifiers_clustered (the persons) and
    int_idstitch__identifier_origins (macros/graph/components_rounds_log.sql); this
    model appends the ones not yet published and drops them. The pre-hooks create those
    relations empty when missing (a selection without a components model). -#}

with

recorded as (

    select * from {{ idstitch.cc_rounds_relation(ref('int_idstitch__identifiers_clustered')) }}
    union all
    select * from {{ idstitch.cc_rounds_relation(ref('int_idstitch__identifier_origins')) }}

),

final as (

    select
        recorded.invocation_id,
        recorded.model_name,
        recorded.round_number,
        recorded.phase,
        recorded.edges_in,
        recorded.nodes_hooked,
        recorded.pointer_jumps,
        recorded.edges_out,
        recorded.pointers_resolved,
        recorded.resolve_passes,
        recorded.seconds,
        recorded.recorded_at
    from recorded
    {%- if is_incremental() %}
    where
        not exists (
            select 1
            from {{ this }} as published
            where
                published.invocation_id = recorded.invocation_id
                and published.model_name = recorded.model_name
                and published.round_number = recorded.round_number
        )
    {%- endif %}

)

select * from final
