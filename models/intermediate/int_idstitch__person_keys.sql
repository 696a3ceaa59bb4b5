{{ config(
    materialized='view',
    tags=['idstitch_plain_text'],
    pre_hook="{{ idstitch.ensure_person_keys(ref('int_idstitch__identifiers_resolved')) }}"
) }}
{#- The wrapped data key of every current person (created by the pre-hook when
    missing). Read by the marts (idstitch.protect); the keys themselves live in the
    key store. With encryption off it has no rows. -#}

with

persons as (

    select distinct person_id from {{ ref('int_idstitch__identifiers_resolved') }}

),

data_keys as (

    {{ idstitch.keystore_rows('data_keys') }}

),

person_keys as (

    select
        data_keys.person_id,
        data_keys.wrapped_key
    from data_keys
    inner join persons
        on data_keys.person_id = persons.person_id

)

select * from person_keys
