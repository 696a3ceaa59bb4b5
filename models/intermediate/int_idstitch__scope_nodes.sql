{{ config(tags=['idstitch_plain_text']) }}
{#- Scoped builds (macros/package/incremental_builds.sql): the identifiers whose person
    this build recomputes, with the person they had (null for a new one). The touched
    identifiers are those of the events extracted since the persons were last resolved
    and of the copies those events replaced (int_idstitch__nodes_superseded); the scope
    is every identifier of their persons, and the new ones. A person outside it keeps
    every row: no event of this build touches it. A hub quarantined by an earlier build
    (int_idstitch__identifier_hubs as that build left it) stays one and belongs to no
    person, so it touches none: its events reach the scope through their other
    identifiers only. Empty in every other build, where everything is recomputed. -#}
{%- set scoped = idstitch.scoped_build() %}
{%- set resolved = idstitch.model_relation('int_idstitch__identifiers_resolved') if scoped else none %}
{%- set hubs = idstitch.model_relation('int_idstitch__identifier_hubs') if scoped else none %}

with

extracted as (

    select * from {{ ref('int_idstitch__event_identifiers_extracted') }}

),

superseded as (

    select * from {{ ref('int_idstitch__nodes_superseded') }}

),

{%- if resolved is not none %}

previous as (

    select
        node_id,
        person_id,
        events_loaded_through
    from {{ resolved }}

),

touched as (

    select extracted.node_id from extracted
    where
        extracted.node_id is not null
        and extracted.loaded_at > (select max(previous.events_loaded_through) from previous)
    union
    select superseded.node_id from superseded

),

touched_identifiers as (

    select touched.node_id from touched
    where not exists (
        select 1 from {{ hubs }} as hubs
        where hubs.node_id = touched.node_id
    )

),

touched_persons as (

    select distinct previous.person_id
    from previous
    inner join touched_identifiers
        on previous.node_id = touched_identifiers.node_id

),

scope as (

    select
        previous.node_id,
        previous.person_id as previous_person_id
    from previous
    inner join touched_persons
        on previous.person_id = touched_persons.person_id
    union all
    select
        touched_identifiers.node_id,
        cast(null as {{ dbt.type_string() }}) as previous_person_id
    from touched_identifiers
    where
        not exists (
            select 1 from previous
            where previous.node_id = touched_identifiers.node_id
        )

)
{%- else %}

scope as (

    select
        extracted.node_id,
        cast(null as {{ dbt.type_string() }}) as previous_person_id
    from extracted
    inner join superseded
        on extracted.node_id = superseded.node_id
    where 1 = 0

)
{%- endif %}

select * from scope
