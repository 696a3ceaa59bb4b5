{#- Every identifier seen, anonymous-only visitors included, with its person. -#}

with

resolved as (

    select * from {{ ref('int_identifiers_resolved') }}

),

final as (

    select
        person_id,
        identifier_type,
        identifier_value,
        first_seen_at,
        last_seen_at,
        event_count
    from resolved

)

select * from final
