{{ config(materialized='idstitch_group_history') }}
{#- For every origin a linking event touches, the person that held it just before the
    event, as that person's anchor rank: the idstitch_group_history materialization
    (macros/graph/history_materialization.sql) answers each question of
    int_idstitch__link_items with the smallest origin of its group in the graph of the
    links before it. An origin's anchor rank is the smallest of its identifiers', so
    the smallest origin of a group is its anchor. -#}

with

items as (

    select * from {{ ref('int_idstitch__link_items') }}

)

select
    item_rank,
    is_query,
    node_a,
    node_b
from items
