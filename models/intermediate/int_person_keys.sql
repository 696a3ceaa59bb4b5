{{ config(
    materialized='view',
    enabled=idstitch.encryption_enabled(),
    pre_hook="{{ idstitch.ensure_person_keys(ref('int_identifiers_resolved')) }}"
) }}
{#- The wrapped data key of every current person (created by the pre-hook when
    missing). Read by the encrypted marts; the keys themselves live in the key store. -#}

with

persons as (

    select distinct person_id from {{ ref('int_identifiers_resolved') }}

),

data_keys as (

    select * from {{ source('idstitch_keystore', 'data_keys') }}

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
