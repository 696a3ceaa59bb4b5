{#-
    Exact connected components in SQL, in O(log n) rounds.

    Algorithm: deterministic hook-and-contract (Shiloach-Vishkin family).
    Each round works on the current edge list E (u < v, distinct, no self loops):
      1. hook:     every node with a smaller neighbour points to its smallest
                   neighbour, parent(v) = min{u : (u, v) in E}. Pointers only go
                   down, so they form a forest whose roots are local minima.
      2. jump:     pointer jumping (parent := parent(parent)) until every node
                   points at its tree's root; depth halves per jump, so a forest of
                   depth d needs about log2(d) jumps. A `pending` flag (parent not
                   a root yet) travels with each pointer, so no pass is spent only
                   to learn that nothing moves, and a forest of stars needs none.
      3. contract: replace each endpoint by its root, drop self loops, distinct.
                   A finished component collapses to one node and leaves the
                   working set; its edges are gone.
    The (node -> root) pointers of every round are kept (one work table per round).
    At the end they are resolved backwards: the roots of the last round are final,
    and a node hooked in round t gets the final root of its round-t root (hooked in
    a later round, or final itself) - one pass per round, each probing only the
    small set of later-round nodes; the pass over round 1, the largest, is part of
    the statement that builds the model's table. Every node ends with the smallest
    node id of its component.

    Why O(log n): a root that got no child in a round (a singleton tree) had only
    neighbours that hooked below it, so after contraction it has a smaller
    neighbour and hooks in the next round. Hence the singleton roots of round t+1
    come from the non-trivial trees of round t, and the node count satisfies
    n(t+2) <= n(t) / 2: it halves at least every two rounds, whatever the shape
    (chains in any id order, stars, one giant component or millions of tiny ones).
    Label propagation, by contrast, needs one round per hop of the diameter.

    Choice of method: no randomisation is used anywhere (node ids are a fixed
    hash of the identifier, and the bound above is deterministic), so this is the
    textbook PRAM hooking + pointer-jumping technique (Shiloach & Vishkin 1982),
    not the in-database randomised contraction of US9116970B2 / US9465854 /
    US9792337. That is an engineering reading of the claims, not legal advice.

    The materialization runs the loop inside one `dbt build`: the model's SQL
    returns the edges (node_a, node_b); the table it builds has one row per node
    that has an edge: (node_id, component_id). Rounds, jumps, edge counts and
    seconds go to the dbt log and to the table `idstitch_component_rounds` in the
    model's schema. A round cap (var idstitch_max_rounds) that is reached fails
    the build with a message; it is never a silent stop.

    How it runs: every step is a list of statements handed to `cc_execute`, which
    engines may batch. The portable version runs one statement at a time on work
    tables beside the target; DuckDB's sends each list in one call, on temporary
    tables (in memory, private to the connection): a build runs a dozen of these
    calls, and at a few milliseconds of dbt overhead each they would otherwise
    cost as much as the SQL on a graph of a million edges. Each call ends a step
    and starts the next one (a round's contraction and the next round's hook go
    together); the backward resolution and the model's table are one call, the
    rounds' records and the work tables' drops another.
-#}

{% materialization idstitch_components, default %}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set max_rounds = var('idstitch_max_rounds', 64) | int -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {%- set computed = idstitch.compute_components(sql, target_relation, max_rounds) -%}
    {%- set started = modules.datetime.datetime.now() -%}
    {%- do idstitch.cc_build_target(target_relation, load_cached_relation(this), computed) -%}
    {%- do idstitch._cc_finish(target_relation, computed,
        (modules.datetime.datetime.now() - started).total_seconds()) -%}

    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {% do adapter.commit() %}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}


{% macro _cc_relation(target, suffix) -%}
    {{- return(idstitch.cc_work_relation(target, suffix)) -}}
{%- endmacro %}


{% macro _cc_numbers(select_sql) -%}
    {#- The first row of a query, as a list of integers (null counts as 0). -#}
    {%- set numbers = [] -%}
    {%- for value in run_query(select_sql).rows[0] -%}
        {%- do numbers.append((value or 0) | int) -%}
    {%- endfor -%}
    {{- return(numbers) -}}
{%- endmacro %}


{% macro _cc_pointer_jump(target, pending, what) -%}
    {#- Resolves the hooks of a round to roots: parent := parent(parent) on the rows whose
        parent is itself hooked (`pending` = 1), until none is. The hook step sets the flag
        and every jump carries it (a row's new flag is its old parent's flag), so no pass
        is spent only to find out that nothing moves. Each jump halves the depth of the
        forest: 64 jumps cover any forest of 64-bit node ids. Work tables ping-pong between
        `hooks_a` and `hooks_b`; returns [suffix of the resolved table, jumps]. -#}
    {%- set ns = namespace(current='hooks_a', jumps=0, pending=pending) -%}
    {%- for jump in range(64) if ns.pending > 0 -%}
        {%- set following = 'hooks_b' if ns.current == 'hooks_a' else 'hooks_a' -%}
        {%- set ns.pending = idstitch.cc_execute([{
            'replace': idstitch._cc_relation(target, following),
            'select': idstitch.cc_jump_sql(idstitch._cc_relation(target, ns.current))}],
            'select sum(pending) from ' ~ idstitch._cc_relation(target, following))[0] -%}
        {%- set ns.current = following -%}
        {%- set ns.jumps = ns.jumps + 1 -%}
    {%- endfor -%}
    {%- if ns.pending > 0 -%}
        {{- exceptions.raise_compiler_error(
            "idstitch: pointer jumping (" ~ what ~ ") did not converge within 64 jumps. This "
            ~ "cannot happen for a forest of 64-bit node ids (a pointer cycle would be a bug); "
            ~ "please report it with the dbt log of this build (its rounds are logged there)."
        ) -}}
    {%- endif -%}
    {{- return([ns.current, ns.jumps]) -}}
{%- endmacro %}


{% macro _cc_contract_and_hook(target, edges, pointers, next_edges, steps) -%}
    {#- `steps`, then: contract `edges` by the roots in `pointers` into `next_edges` (unless
        `edges` is none), and hook `next_edges` into `hooks_a`. One call; returns
        [edges in next_edges, nodes hooked, pending pointers]. -#}
    {%- set hooks = idstitch._cc_relation(target, 'hooks_a') -%}
    {%- if edges is not none -%}
        {%- do steps.append({'replace': next_edges, 'select': idstitch.cc_contract_sql(edges, pointers)}) -%}
    {%- endif -%}
    {%- do steps.append({'replace': hooks, 'select': idstitch.cc_hook_sql(next_edges)}) -%}
    {{- return(idstitch.cc_execute(steps,
        'select (select count(*) from ' ~ next_edges ~ '), count(*), sum(pending) from ' ~ hooks)) -}}
{%- endmacro %}


{% macro compute_components(edges_sql, target, max_rounds) -%}
    {#- Runs the rounds on work tables. Returns {'resolve': the steps of the backward
        resolution, 'final_sql': SQL of the model's (node_id, component_id) table, 'records':
        the rounds' rows for the rounds table, 'rounds', 'pointers', 'passes', 'rounds_table'}. The rounds
        are recorded with the final table (in its transaction), or just before the build
        fails. A round's seconds run from the end of the previous round (the first: from the
        start) to the end of its contraction, which shares its call with the next round's
        hook. -#}
    {%- set rounds_table = api.Relation.create(database=target.database, schema=target.schema,
        identifier='idstitch_component_rounds', type='table') -%}
    {%- set first_edges = idstitch._cc_relation(target, 'edges_a') -%}
    {%- set started = modules.datetime.datetime.now() -%}
    {%- set ns = namespace(edges='edges_a', round=0, records=[], pointers=0, round_started=started,
        counts=idstitch._cc_contract_and_hook(target, none, none, first_edges, [
            {'sql': idstitch.cc_create_rounds_table_sql(rounds_table)},
            {'replace': first_edges, 'select': idstitch.cc_initial_edges_sql(edges_sql)}])) -%}
    {%- do log("idstitch components: " ~ ns.counts[0] ~ " distinct edges to resolve", info=True) -%}

    {%- for round_number in range(1, max_rounds + 1) if ns.counts[0] > 0 -%}
        {%- set ns.round = round_number -%}
        {%- set next_edges = 'edges_b' if ns.edges == 'edges_a' else 'edges_a' -%}
        {%- set before = ns.counts -%}
        {%- set jumped = idstitch._cc_pointer_jump(target, before[2], 'round ' ~ round_number) -%}
        {#- the round's resolved pointers are kept under the round's name -#}
        {%- set pointers = idstitch._cc_relation(target, 'round_' ~ round_number) -%}
        {%- set ns.counts = idstitch._cc_contract_and_hook(target, idstitch._cc_relation(target, ns.edges),
            pointers, idstitch._cc_relation(target, next_edges),
            [{'rename': idstitch._cc_relation(target, jumped[0]), 'to': pointers}]) -%}
        {%- set ns.edges = next_edges -%}
        {%- set ns.pointers = ns.pointers + before[1] -%}
        {%- set now = modules.datetime.datetime.now() -%}
        {%- set seconds = (now - ns.round_started).total_seconds() -%}
        {%- set ns.round_started = now -%}
        {%- do log("idstitch components: round " ~ round_number ~ ": " ~ before[0] ~ " edges, "
            ~ before[1] ~ " nodes hooked, " ~ jumped[1] ~ " pointer jumps, " ~ ns.counts[0]
            ~ " edges left, " ~ '%.2f' | format(seconds) ~ " s", info=True) -%}
        {%- do ns.records.append({'sql': idstitch._cc_record_round_sql(rounds_table, target,
            round_number, 'contract', before[0], before[1], jumped[1], ns.counts[0], seconds)}) -%}
    {%- endfor -%}

    {%- if ns.counts[0] > 0 -%}
        {#- the records, and the work tables dropped (engines without transactions keep them) -#}
        {%- do idstitch.cc_execute(ns.records + idstitch._cc_work_table_drops(target, ns.round)) -%}
        {{- exceptions.raise_compiler_error(
            "idstitch: connected components did not converge within " ~ max_rounds
            ~ " rounds (var idstitch_max_rounds); " ~ ns.counts[0] ~ " edges are still unresolved. "
            ~ "The algorithm halves the graph at least every two rounds, so raise the cap only "
            ~ "after looking at the rounds in the dbt log (and in " ~ rounds_table
            ~ " where the engine kept them)."
        ) -}}
    {%- endif -%}

    {#- Resolution, backwards: the roots of the last round are final; a node hooked in
        round t points at a node of round t + 1's graph, whose final root is already known
        once the later rounds are resolved. One pass per round, each probing only the
        (smaller) resolved later rounds; the pass over round 1, the largest, is part of the
        final table's statement, so its pointers are written once. -#}
    {%- set resolved = idstitch._cc_relation(target, 'resolved') if ns.round >= 2 else none -%}
    {%- set resolve = [] -%}
    {%- if ns.round >= 2 -%}
        {%- do resolve.append({'replace': resolved,
            'select': 'select node_id, parent_id from ' ~ idstitch._cc_relation(target, 'round_' ~ ns.round)}) -%}
    {%- endif -%}
    {%- for round_number in range(ns.round - 1, 1, -1) -%}
        {%- do resolve.append({'sql': 'insert into ' ~ resolved ~ ' (node_id, parent_id) '
            ~ idstitch.cc_resolve_round_sql(idstitch._cc_relation(target, 'round_' ~ round_number), resolved)}) -%}
    {%- endfor -%}
    {%- set passes = [ns.round - 1, 0] | max -%}
    {%- do log("idstitch components: converged after " ~ ns.round ~ " rounds in "
        ~ '%.2f' | format((modules.datetime.datetime.now() - started).total_seconds()) ~ " s", info=True) -%}
    {%- if ns.round == 0 -%}
        {%- set final_sql = 'select u as node_id, u as component_id from ' ~ first_edges ~ ' where 1 = 0' -%}
    {%- else -%}
        {%- set final_sql = idstitch.cc_final_sql(idstitch._cc_relation(target, 'round_1'), resolved) -%}
    {%- endif -%}
    {{- return({'resolve': resolve, 'final_sql': final_sql, 'records': ns.records, 'rounds': ns.round,
        'pointers': ns.pointers, 'passes': passes, 'rounds_table': rounds_table}) -}}
{%- endmacro %}


{% macro _cc_finish(target, computed, seconds) -%}
    {#- Once the model's table is built (`seconds`: the backward passes and the build):
        the rounds' rows and the resolve phase's row, and the drops of the work tables. -#}
    {%- do log("idstitch components: resolved " ~ computed['pointers'] ~ " pointers in "
        ~ computed['passes'] ~ " backward passes and built the table in " ~ '%.2f' | format(seconds) ~ " s",
        info=True) -%}
    {%- set steps = computed['records'] + [{'sql': idstitch._cc_record_round_sql(computed['rounds_table'],
        target, computed['rounds'] + 1, 'resolve', computed['pointers'], computed['pointers'],
        computed['passes'], 0, seconds)}] -%}
    {%- do idstitch.cc_execute(steps + idstitch._cc_work_table_drops(target, computed['rounds'])) -%}
{%- endmacro %}


{% macro _cc_work_table_drops(target, rounds) -%}
    {#- Drop steps for every work table of a build of `rounds` rounds. -#}
    {%- set steps = [] -%}
    {%- for suffix in ['edges_a', 'edges_b', 'hooks_a', 'hooks_b', 'resolved'] -%}
        {%- do steps.append({'drop': idstitch._cc_relation(target, suffix)}) -%}
    {%- endfor -%}
    {%- for round_number in range(1, rounds + 1) -%}
        {%- do steps.append({'drop': idstitch._cc_relation(target, 'round_' ~ round_number)}) -%}
    {%- endfor -%}
    {{- return(steps) -}}
{%- endmacro %}


{% macro _cc_record_round_sql(relation, target, round_number, phase, edges_in, nodes_hooked, jumps, edges_out, seconds) -%}
    {{- return("insert into " ~ relation ~ " (invocation_id, model_name, round_number, phase, edges_in, "
        ~ "nodes_hooked, pointer_jumps, edges_out, seconds, recorded_at) values ('" ~ invocation_id ~ "', '"
        ~ target.identifier ~ "', " ~ round_number ~ ", '" ~ phase ~ "', " ~ edges_in ~ ", " ~ nodes_hooked
        ~ ", " ~ jumps ~ ", " ~ edges_out ~ ", " ~ seconds ~ ", " ~ dbt.current_timestamp() ~ ")") -}}
{%- endmacro %}


{# ---- how the steps are run, dispatched so an engine can batch them --------- #}

{% macro cc_execute(steps, count_sql=none) -%}
    {{ return(adapter.dispatch('cc_execute', 'idstitch')(steps, count_sql)) }}
{%- endmacro %}

{% macro default__cc_execute(steps, count_sql=none) -%}
    {#- One statement per step: {'replace': work table, 'select': SQL} (drop, then create
        table as), {'rename': work table, 'to': work table} (replacing it), {'drop': work
        table} or {'sql': a statement}; then the query `count_sql`, whose first row is
        returned as a list of integers ([] without it). -#}
    {%- for step in steps -%}
        {%- if 'replace' in step or 'drop' in step or 'rename' in step -%}
            {%- do adapter.drop_relation(step.get('replace') or step.get('drop') or step['to']) -%}
        {%- endif -%}
        {%- if 'rename' in step -%}
            {%- do adapter.rename_relation(step['rename'], step['to']) -%}
        {%- elif 'replace' in step or 'sql' in step -%}
            {%- call statement('idstitch_cc_statement', fetch_result=False) -%}
                {{ get_create_table_as_sql(False, step['replace'], step['select']) if 'replace' in step else step['sql'] }}
            {%- endcall -%}
        {%- endif -%}
    {%- endfor -%}
    {{- return(idstitch._cc_numbers(count_sql) if count_sql else []) -}}
{%- endmacro %}

{% macro duckdb__cc_execute(steps, count_sql=none) -%}
    {#- All the steps and the counts in one call (DuckDB runs a string of statements in
        order and returns the last one's result). -#}
    {%- if var('idstitch_components_portable', false) -%}
        {{- return(idstitch.default__cc_execute(steps, count_sql)) -}}
    {%- endif -%}
    {%- set statements = idstitch._cc_duckdb_statements(steps) -%}
    {%- if count_sql -%}
        {{- return(idstitch._cc_numbers((statements + [count_sql]) | join(';\n'))) -}}
    {%- elif statements -%}
        {#- no transaction is begun here: before the model's table is built (a failing
            build's records), each statement commits on its own -#}
        {%- call statement('idstitch_cc_statements', fetch_result=False, auto_begin=False) -%}
            {{ statements | join(';\n') }}
        {%- endcall -%}
    {%- endif -%}
    {{- return([]) -}}
{%- endmacro %}

{% macro _cc_duckdb_statements(steps) -%}
    {#- The steps as DuckDB statements; work tables are temporary. -#}
    {%- set statements = [] -%}
    {%- for step in steps -%}
        {%- if 'replace' in step -%}
            {%- do statements.append('create or replace temp table ' ~ step['replace'] ~ ' as ' ~ step['select']) -%}
        {%- elif 'drop' in step -%}
            {%- do statements.append('drop table if exists ' ~ step['drop']) -%}
        {%- elif 'rename' in step -%}
            {%- do statements.append('drop table if exists ' ~ step['to']) -%}
            {%- do statements.append('alter table ' ~ step['rename'] ~ ' rename to '
                ~ adapter.quote(step['to'].identifier)) -%}
        {%- else -%}
            {%- do statements.append(step['sql']) -%}
        {%- endif -%}
    {%- endfor -%}
    {{- return(statements) -}}
{%- endmacro %}


{% macro cc_build_target(target, existing, computed) -%}
    {{ return(adapter.dispatch('cc_build_target', 'idstitch')(target, existing, computed)) }}
{%- endmacro %}

{% macro default__cc_build_target(target, existing, computed) -%}
    {#- The backward resolution, then the model's table (statement `main`). -#}
    {%- do idstitch.cc_execute(computed['resolve']) -%}
    {%- if existing is not none -%}
        {%- do adapter.drop_relation(existing) -%}
    {%- endif -%}
    {% call statement('main') -%}
        {{ get_create_table_as_sql(False, target, computed['final_sql']) }}
    {%- endcall %}
{%- endmacro %}

{% macro duckdb__cc_build_target(target, existing, computed) -%}
    {#- The backward resolution and the model's table in one statement `main`. -#}
    {%- if var('idstitch_components_portable', false) -%}
        {{- return(idstitch.default__cc_build_target(target, existing, computed)) -}}
    {%- endif -%}
    {%- if existing is not none and not existing.is_table -%}
        {%- do adapter.drop_relation(existing) -%}
    {%- endif -%}
    {% call statement('main') -%}
        {{ (idstitch._cc_duckdb_statements(computed['resolve'])
            + ['create or replace table ' ~ target ~ ' as ' ~ computed['final_sql']]) | join(';\n') }}
    {%- endcall %}
{%- endmacro %}


{% macro cc_work_relation(target, suffix) -%}
    {{ return(adapter.dispatch('cc_work_relation', 'idstitch')(target, suffix)) }}
{%- endmacro %}

{% macro default__cc_work_relation(target, suffix) -%}
    {#- The work table `<target>__cc_<suffix>` beside the target. -#}
    {{- return(api.Relation.create(database=target.database, schema=target.schema,
        identifier=target.identifier ~ '__cc_' ~ suffix, type='table')) -}}
{%- endmacro %}

{% macro duckdb__cc_work_relation(target, suffix) -%}
    {#- A temporary table `temp.main.<target>__cc_<suffix>` (see duckdb__cc_execute). -#}
    {%- if var('idstitch_components_portable', false) -%}
        {{- return(idstitch.default__cc_work_relation(target, suffix)) -}}
    {%- endif -%}
    {{- return(api.Relation.create(database='temp', schema='main',
        identifier=target.identifier ~ '__cc_' ~ suffix, type='table')) -}}
{%- endmacro %}


{# ---- the SQL of each step, dispatched so an engine can do better ---------- #}

{% macro cc_initial_edges_sql(edges_sql) -%}
    {{ return(adapter.dispatch('cc_initial_edges_sql', 'idstitch')(edges_sql)) }}
{%- endmacro %}

{% macro default__cc_initial_edges_sql(edges_sql) -%}
    select distinct
        case when node_a < node_b then node_a else node_b end as u,
        case when node_a < node_b then node_b else node_a end as v
    from ({{ edges_sql }}) as model_edges
    where node_a <> node_b
{%- endmacro %}


{% macro cc_hook_sql(edges) -%}
    {{ return(adapter.dispatch('cc_hook_sql', 'idstitch')(edges)) }}
{%- endmacro %}

{% macro default__cc_hook_sql(edges) -%}
    {#- u < v on every edge, so a node's smaller neighbours are the u of its edges as v.
        pending = 1 when the parent is itself hooked (not a root yet). -#}
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
    {{ return(adapter.dispatch('cc_jump_sql', 'idstitch')(pointers)) }}
{%- endmacro %}

{% macro default__cc_jump_sql(pointers) -%}
    {#- Rows whose parent is a root stay as they are; a pending row's parent is hooked, so
        the inner join always finds it (no row is lost), and the new parent is a root exactly
        when the old parent's was (its pending flag). Only the pending rows are probed. -#}
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


{% macro cc_resolve_round_sql(round_pointers, resolved) -%}
    {{ return(adapter.dispatch('cc_resolve_round_sql', 'idstitch')(round_pointers, resolved)) }}
{%- endmacro %}

{% macro default__cc_resolve_round_sql(round_pointers, resolved) -%}
    {#- A node hooked in this round points at a node of the next round's graph: its final
        root when that node was hooked later (already in `resolved`), else itself. -#}
    select
        round_pointer.node_id,
        coalesce(later.parent_id, round_pointer.parent_id) as parent_id
    from {{ round_pointers }} as round_pointer
    left join {{ resolved }} as later
        on round_pointer.parent_id = later.node_id
{%- endmacro %}


{% macro cc_contract_sql(edges, hooks) -%}
    {{ return(adapter.dispatch('cc_contract_sql', 'idstitch')(edges, hooks)) }}
{%- endmacro %}

{% macro default__cc_contract_sql(edges, hooks) -%}
    with relabelled as (
        select
            coalesce(root_u.parent_id, edges.u) as ru,
            coalesce(root_v.parent_id, edges.v) as rv
        from {{ edges }} as edges
        left join {{ hooks }} as root_u on edges.u = root_u.node_id
        left join {{ hooks }} as root_v on edges.v = root_v.node_id
    )
    select distinct
        case when ru < rv then ru else rv end as u,
        case when ru < rv then rv else ru end as v
    from relabelled
    where ru <> rv
{%- endmacro %}


{% macro cc_final_sql(first_round, resolved) -%}
    {{ return(adapter.dispatch('cc_final_sql', 'idstitch')(first_round, resolved)) }}
{%- endmacro %}

{% macro default__cc_final_sql(first_round, resolved) -%}
    {#- Every node that had an edge: the nodes hooked in round 1, resolved through the later
        rounds' final roots (`resolved`, none after a single round), the nodes hooked later,
        and the roots (the parents of all these pointers). -#}
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


{% macro cc_create_rounds_table_sql(relation) -%}
    {{ return(adapter.dispatch('cc_create_rounds_table_sql', 'idstitch')(relation)) }}
{%- endmacro %}

{% macro default__cc_create_rounds_table_sql(relation) -%}
    create table if not exists {{ relation }} (
        invocation_id {{ dbt.type_string() }},
        model_name {{ dbt.type_string() }},
        round_number integer,
        phase {{ dbt.type_string() }},
        edges_in bigint,
        nodes_hooked bigint,
        pointer_jumps integer,
        edges_out bigint,
        seconds double precision,
        recorded_at {{ dbt.type_timestamp() }}
    )
{%- endmacro %}
