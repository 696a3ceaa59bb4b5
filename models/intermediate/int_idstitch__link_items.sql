{{ config(materialized='view') }}
{#- The input of the merge history (int_idstitch__link_groups), on origins: for every
    linking event, in event order, first one question per origin it touches (which
    person held that origin just before the event?), then its links (the event's first
    origin to each of the others). item_rank orders them all; questions come before
    their event's links, so they see the persons as they were before it. An event all
    of whose links an earlier event already made cannot merge anything and is left out:
    a device's every later event with its user id links the same two origins again. -#}

with

link_identifiers as (

    select * from {{ ref('int_idstitch__link_identifiers') }}

),

touched as (

    select
        event_rank,
        origin_rank,
        min(origin_rank) over (partition by event_rank) as first_origin_rank
    from link_identifiers
    group by event_rank, origin_rank

),

links as (

    select
        *,
        min(event_rank) over (partition by first_origin_rank, origin_rank) as first_link_event_rank
    from touched

),

new_links as (

    select
        *,
        max(case when event_rank = first_link_event_rank and origin_rank <> first_origin_rank then 1 else 0 end)
            over (partition by event_rank) as links_anything_new
    from links

),

kept as (

    select * from new_links
    where links_anything_new = 1

),

items as (

    select
        event_rank,
        origin_rank,
        true as is_query,
        origin_rank as node_a,
        origin_rank as node_b
    from kept
    union all
    select
        event_rank,
        origin_rank,
        false as is_query,
        first_origin_rank as node_a,
        origin_rank as node_b
    from kept
    where origin_rank <> first_origin_rank and event_rank = first_link_event_rank

),

ranked as (

    select
        *,
        row_number() over (
            order by event_rank asc, case when is_query then 0 else 1 end asc, origin_rank asc
        ) as item_rank
    from items

)

select * from ranked
