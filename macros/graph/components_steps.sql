{#- The SQL of each step of the components step (the algorithm: docs block
    `idstitch_components`, components.md). Plain portable SQL on work tables whose
    edges have u < v; the runner (components_runner.sql) decides how it is sent. -#}

{% macro cc_initial_edges_sql(edges_sql) -%}
    {#- The model's edges (node_a, node_b) as distinct (u, v), u < v, no self loop. -#}
    select distinct
        case when node_a < node_b then node_a else node_b end as u,
        case when node_a < node_b then node_b else node_a end as v
    from ({{ edges_sql }}) as model_edges
    where node_a <> node_b
{%- endmacro %}


{% macro cc_hook_sql(edges) -%}
    {#- Hook: every node points to its smallest neighbour. u < v on every edge, so a node's
        smaller neighbours are the u of its edges as v. pending = 1 when the parent is
        itself hooked (not a root yet). -#}
    with hooked as (
        select v as node_id, min(u) as parent_id from {{ edges }} group by v
    )
    select
        hooked.node_id,
        hooked.parent_id,
        case when grandparent.node_id is null then 0 else 1 end as pending
    from hooked
    left join hooked as grandparent
        on hooked.parent_id = grandparent.node_id
{%- endmacro %}


{% macro cc_jump_sql(pointers) -%}
    {#- Jump: parent := parent(parent). Rows whose parent is a root stay as they are; a
        pending row's parent is hooked, so the inner join always finds it (no row is lost),
        and the new parent is a root exactly when the old parent's was (its pending flag).
        Only the pending rows are probed. -#}
    select node_id, parent_id, 0 as pending
    from {{ pointers }}
    where pending = 0
    union all
    select
        child.node_id,
        grandparent.parent_id,
        grandparent.pending
    from {{ pointers }} as child
    inner join {{ pointers }} as grandparent
        on child.parent_id = grandparent.node_id
    where child.pending = 1
{%- endmacro %}


{% macro cc_contract_sql(edges, roots) -%}
    {#- Contract: each endpoint replaced by its root (`roots`: the round's resolved
        pointers), self loops dropped, distinct. -#}
    with relabelled as (
        select
            coalesce(root_u.parent_id, edges.u) as ru,
            coalesce(root_v.parent_id, edges.v) as rv
        from {{ edges }} as edges
        left join {{ roots }} as root_u on edges.u = root_u.node_id
        left join {{ roots }} as root_v on edges.v = root_v.node_id
    )
    select distinct
        case when ru < rv then ru else rv end as u,
        case when ru < rv then rv else ru end as v
    from relabelled
    where ru <> rv
{%- endmacro %}


{% macro cc_resolve_round_sql(round_pointers, resolved) -%}
    {#- Resolve one round backwards: a node hooked in this round points at a node of the
        next round's graph, whose final root is in `resolved` when that node was hooked
        later; otherwise the node it points at is final itself. -#}
    select
        round_pointer.node_id,
        coalesce(later.parent_id, round_pointer.parent_id) as parent_id
    from {{ round_pointers }} as round_pointer
    left join {{ resolved }} as later
        on round_pointer.parent_id = later.node_id
{%- endmacro %}


{% macro cc_final_sql(first_round, resolved) -%}
    {#- The model's table: every node that had an edge, with its component. The nodes
        hooked in round 1 resolved through the later rounds' final roots (`resolved`, none
        after a single round), the nodes hooked later, and the roots (the parents of all
        these pointers). -#}
    with pointers as (
        {%- if resolved is none %}
        select node_id, parent_id from {{ first_round }}
        {%- else %}
        {{ idstitch.cc_resolve_round_sql(first_round, resolved) }}
        union all
        select node_id, parent_id from {{ resolved }}
        {%- endif %}
    )
    select node_id, parent_id as component_id from pointers
    union all
    select distinct parent_id as node_id, parent_id as component_id from pointers
{%- endmacro %}


{% macro cc_no_component_sql(edges) -%}
    {#- The model's table when the graph has no edge (no round): no row, typed as the edges. -#}
    select u as node_id, u as component_id from {{ edges }} where 1 = 0
{%- endmacro %}
