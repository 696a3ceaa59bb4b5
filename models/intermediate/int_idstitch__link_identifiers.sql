{#- The events that link persons, each with the identifiers it carries that were seen
    before it (the new ones belong to no person yet) and their origins
    (int_idstitch__identifier_origins). Only events whose earlier-seen identifiers come
    from two origins or more can merge persons; every other event only adds identifiers
    to one, so this is a small table. -#}

with

ranked as (

    select * from {{ ref('int_idstitch__event_identifiers_ranked') }}
    where first_event_rank < event_rank

),

origins as (

    select * from {{ ref('int_idstitch__identifier_origins') }}

),

with_origin as (

    select
        ranked.event_rank,
        ranked.node_id,
        ranked.anchor_rank,
        coalesce(origins.component_id, ranked.anchor_rank) as origin_rank
    from ranked
    left join origins
        on ranked.anchor_rank = origins.node_id

),

linking as (

    select
        *,
        min(origin_rank) over (partition by event_rank) as first_origin_rank,
        max(origin_rank) over (partition by event_rank) as last_origin_rank
    from with_origin

),

final as (

    select
        event_rank,
        node_id,
        anchor_rank,
        origin_rank
    from linking
    where first_origin_rank < last_origin_rank

)

select * from final
