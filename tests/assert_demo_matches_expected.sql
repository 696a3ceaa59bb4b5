{{ config(enabled=(
    idstitch.demo_seeds_enabled()
    and var('idstitch_source_schema', none) is none
    and not idstitch.encryption_enabled()
)) }}
{#- On the bundled demo, users and user_identifiers must equal the expected seeds
    exactly (rows missing on either side are returned, so the test fails). -#}

with

actual_identifiers as (

    select
        users.canonical_id_type,
        users.canonical_id_value,
        user_identifiers.identifier_type,
        user_identifiers.identifier_value,
        user_identifiers.event_count
    from {{ ref('idstitch__user_identifiers') }} as user_identifiers
    inner join (
        select distinct person_id, canonical_id_type, canonical_id_value
        from {{ ref('int_idstitch__identifiers_resolved') }}
    ) as users
        on user_identifiers.person_id = users.person_id

),

expected_identifiers as (

    select * from {{ ref('demo_expected_user_identifiers') }}

),

actual_users as (

    select
        canonical_id_type, canonical_id_value, external_id, email, phone, anonymous_id_count,
        identifier_count, identify_count, track_count, page_count, name, title, address_city, company_name
    from {{ ref('idstitch__users') }}

),

expected_users as (

    select * from {{ ref('demo_expected_users') }}

),

identifier_diff as (

    (select 'missing' as side, * from expected_identifiers except select 'missing' as side, * from actual_identifiers)
    union all
    (select 'unexpected' as side, * from actual_identifiers except select 'unexpected' as side, * from expected_identifiers)

),

user_diff as (

    (select 'missing' as side, * from expected_users except select 'missing' as side, * from actual_users)
    union all
    (select 'unexpected' as side, * from actual_users except select 'unexpected' as side, * from expected_users)

)

select
    'user_identifiers' as table_name,
    side,
    canonical_id_value
from identifier_diff
union all
select
    'users' as table_name,
    side,
    canonical_id_value
from user_diff
