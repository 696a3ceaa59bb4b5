{#- The SQL of each step of the group history (history_materialization.sql; the
    algorithm: docs block `idstitch_group_history`, history.md). Plain portable SQL on
    work tables of items (part, item_rank, is_query, node_a, node_b). -#}

{% macro gh_node_offset() -%}
    {#- Node ids are below 2^32; part p's node n is p * 2^32 + n in the components of a
        level, so the parts of a level are one graph and stay apart. -#}
    {{- return(4294967296) -}}
{%- endmacro %}


{% macro gh_initial_items_sql(items_sql) -%}
    {#- The model's items, all in part 0; links that are self loops are left out. -#}
    select
        cast(0 as {{ dbt.type_bigint() }}) as part,
        item_rank,
        is_query,
        node_a,
        node_b
    from ({{ items_sql }}) as model_items
    where is_query or node_a <> node_b
{%- endmacro %}


{% macro gh_classify_sql(items) -%}
    {#- Every item with its part's halves: `lower` = the first half by item_rank (floor
        of half the items), and whether the part has a link at all. -#}
    select
        part,
        item_rank,
        is_query,
        node_a,
        node_b,
        2 * row_number() over (partition by part order by item_rank)
        <= count(*) over (partition by part) as is_lower,
        max(case when is_query then 0 else 1 end) over (partition by part) as has_link
    from {{ items }}
{%- endmacro %}


{% macro gh_answers_sql(classified) -%}
    {#- Questions of parts without links are answered: no link before them is left, so
        the node they ask about is its own group's smallest node. -#}
    select item_rank, node_a as group_id
    from {{ classified }}
    where is_query and has_link = 0
{%- endmacro %}


{% macro gh_lower_links_sql(classified) -%}
    {#- The links of every part's lower half, as one graph of offset node ids. -#}
    select
        part * {{ idstitch.gh_node_offset() }} + node_a as node_a,
        part * {{ idstitch.gh_node_offset() }} + node_b as node_b
    from {{ classified }}
    where has_link = 1 and is_lower and not is_query
{%- endmacro %}


{% macro gh_next_items_sql(classified, components) -%}
    {#- The next level's parts: part p's lower half becomes part 2p, unchanged; its upper
        half becomes part 2p + 1, each node replaced by the smallest node of its group
        in the lower half's links (`components`), self loops dropped. A part without
        questions is dropped, and so is every link after its part's last question:
        nothing asks about them. -#}
    with keyed as (
        {#- the upper halves' lookup keys as columns (null in lower halves): an equality
            join, which every engine hashes -#}
        select
            *,
            case when not is_lower then part * {{ idstitch.gh_node_offset() }} + node_a end as key_a,
            case when not is_lower then part * {{ idstitch.gh_node_offset() }} + node_b end as key_b
        from {{ classified }}
        where has_link = 1
    ),

    moved as (
        select
            2 * keyed.part + case when keyed.is_lower then 0 else 1 end as part,
            keyed.item_rank,
            keyed.is_query,
            coalesce(group_a.component_id - keyed.part * {{ idstitch.gh_node_offset() }}, keyed.node_a) as node_a,
            coalesce(group_b.component_id - keyed.part * {{ idstitch.gh_node_offset() }}, keyed.node_b) as node_b
        from keyed
        left join {{ components }} as group_a
            on keyed.key_a = group_a.node_id
        left join {{ components }} as group_b
            on keyed.key_b = group_b.node_id
    ),

    asked as (
        select
            *,
            max(case when is_query then item_rank end) over (partition by part) as last_question_rank
        from moved
    )

    select part, item_rank, is_query, node_a, node_b
    from asked
    where
        item_rank <= last_question_rank
        and (is_query or node_a <> node_b)
{%- endmacro %}
