{{ config(materialized='idstitch_components') }}
{#- Which person each identifier started in. An identifier seen for the first time in
    an event joins the identifiers that event already knew; the event's identifier of
    smallest anchor_rank is one of those when there are any (they were seen earlier),
    else the anchor of the person the event starts (an origin event: all of its
    identifiers are new). Linking every identifier to that one, on anchor ranks, makes a
    forest whose every pointer goes to a smaller rank: each tree is one origin, and its
    component_id, the smallest rank, is the origin's anchor. Identifiers in no tree
    (alone in their first event) are their own origin. -#}

with

ranked as (

    select * from {{ ref('int_idstitch__event_identifiers_ranked') }}

),

first_event_ranks as (

    select distinct first_event_rank from ranked

),

first_events as (

    select
        ranked.event_rank,
        min(ranked.anchor_rank) as smallest_anchor_rank
    from ranked
    inner join first_event_ranks
        on ranked.event_rank = first_event_ranks.first_event_rank
    group by ranked.event_rank

),

edges as (

    select
        ranked.anchor_rank as node_a,
        first_events.smallest_anchor_rank as node_b
    from ranked
    inner join first_events
        on ranked.event_rank = first_events.event_rank
    where
        ranked.first_event_rank = ranked.event_rank
        and ranked.anchor_rank <> first_events.smallest_anchor_rank

)

select
    node_a,
    node_b
from edges
