{#- The `idstitch_components` materialization: the model's SQL returns the graph's edges
    (node_a, node_b); the table built has one row per node with an edge (node_id,
    component_id). Rounds of hook, jump and contract on work tables, then the backward
    resolution and the model's table, then the rounds log and the work tables' drops.
    Why it works and why it is fast: docs block `idstitch_components` (components.md).
    The SQL of each step: components_steps.sql; how statements are sent and where work
    tables live: components_runner.sql; the round records: components_rounds_log.sql. -#}

{% materialization idstitch_components, default %}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set runner = idstitch.cc_runner() -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {%- set contracted = idstitch._cc_contract_rounds(runner, target_relation, sql,
        var('idstitch_max_rounds', 64) | int) -%}
    {%- set started = modules.datetime.datetime.now() -%}
    {%- do idstitch.cc_build_model(runner, target_relation, load_cached_relation(this),
        idstitch._cc_resolve_sql(runner, target_relation, contracted.round_pointers),
        idstitch._cc_model_sql(runner, target_relation, contracted.round_pointers)) -%}
    {%- do idstitch._cc_finish(runner, target_relation, contracted,
        (modules.datetime.datetime.now() - started).total_seconds()) -%}

    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {% do adapter.commit() %}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}


{% macro _cc_contract_rounds(runner, target, edges_sql, max_rounds) -%}
    {#- Runs the rounds. Returns {'rounds': rounds done, 'round_pointers': each round's
        (node_id, parent_id = root) work table, round 1 first, 'pointers': nodes hooked in
        all rounds, 'records': the rounds' records}. Fails the build, its rounds recorded
        and its work tables dropped first, when the round cap is reached with edges left.
        A round's seconds run from the end of the previous round (the first: from the
        start) to the end of its contraction, which shares its call with the next hook. -#}
    {%- set started = modules.datetime.datetime.now() -%}
    {%- set state = namespace(round=0, round_pointers=[], pointers=0, records=[], round_started=started,
        counts=idstitch._cc_hook(runner, target, 1, idstitch.cc_replace_sql(runner,
            idstitch._cc_edges(runner, target, 1), idstitch.cc_initial_edges_sql(edges_sql)))) -%}
    {%- do log("idstitch components: " ~ state.counts.edges ~ " distinct edges to resolve", info=True) -%}

    {%- for round_number in range(1, max_rounds + 1) if state.counts.edges > 0 -%}
        {%- set round_in = state.counts -%}
        {%- set jumped = idstitch._cc_pointer_jump(runner, target, round_number, round_in.pending) -%}
        {%- set state.counts = idstitch._cc_hook(runner, target, round_number + 1, jumped.drops
            + idstitch.cc_replace_sql(runner, idstitch._cc_edges(runner, target, round_number + 1),
                idstitch.cc_contract_sql(idstitch._cc_edges(runner, target, round_number), jumped.pointers))) -%}
        {%- set state.round = round_number -%}
        {%- do state.round_pointers.append(jumped.pointers) -%}
        {%- set state.pointers = state.pointers + round_in.hooked -%}
        {%- set now = modules.datetime.datetime.now() -%}
        {%- set seconds = (now - state.round_started).total_seconds() -%}
        {%- set state.round_started = now -%}
        {%- do log("idstitch components: round " ~ round_number ~ ": " ~ round_in.edges ~ " edges, "
            ~ round_in.hooked ~ " nodes hooked, " ~ jumped.jumps ~ " pointer jumps, " ~ state.counts.edges
            ~ " edges left, " ~ '%.2f' | format(seconds) ~ " s", info=True) -%}
        {%- do state.records.append(idstitch.cc_contract_record(round_number, round_in.edges,
            round_in.hooked, jumped.jumps, state.counts.edges, seconds)) -%}
    {%- endfor -%}

    {%- set contracted = {'rounds': state.round, 'round_pointers': state.round_pointers,
        'pointers': state.pointers, 'records': state.records} -%}
    {%- if state.counts.edges > 0 -%}
        {#- the records, and the work tables dropped (engines without transactions keep them) -#}
        {%- do idstitch.cc_execute(runner, idstitch.cc_rounds_log_sql(target, state.records)
            + idstitch._cc_work_table_drops(runner, target, contracted)) -%}
        {{- exceptions.raise_compiler_error(
            "idstitch: connected components did not converge within " ~ max_rounds
            ~ " rounds (var idstitch_max_rounds); " ~ state.counts.edges ~ " edges are still unresolved. "
            ~ "The algorithm halves the graph at least every two rounds, so raise the cap only "
            ~ "after looking at the rounds in the dbt log (and in " ~ idstitch.cc_rounds_relation(target)
            ~ " where the engine kept them)."
        ) -}}
    {%- endif -%}
    {%- do log("idstitch components: converged after " ~ state.round ~ " rounds in "
        ~ '%.2f' | format((modules.datetime.datetime.now() - started).total_seconds()) ~ " s", info=True) -%}
    {{- return(contracted) -}}
{%- endmacro %}


{% macro _cc_edges(runner, target, round_number) -%}
    {#- The work table of the edges entering a round (ping-pong: edges_a, edges_b). -#}
    {{- return(idstitch.cc_work_relation(runner, target, 'edges_' ~ ('a' if round_number % 2 else 'b'))) -}}
{%- endmacro %}


{% macro _cc_hooks(runner, target, round_number, copy) -%}
    {#- The work tables of a round's pointers (`copy` a or b: the pointer jumps ping-pong). -#}
    {{- return(idstitch.cc_work_relation(runner, target, 'round_' ~ round_number ~ '_' ~ copy)) -}}
{%- endmacro %}


{% macro _cc_hook(runner, target, round_number, statements) -%}
    {#- `statements` (which write the round's edges), then the round's hook, in one call.
        Returns {'edges': edges of the round, 'hooked': nodes hooked, 'pending': pointers
        whose parent is not a root yet}. -#}
    {%- set edges = idstitch._cc_edges(runner, target, round_number) -%}
    {%- set hooks = idstitch._cc_hooks(runner, target, round_number, 'a') -%}
    {{- return(idstitch.cc_execute(runner, statements + idstitch.cc_replace_sql(runner, hooks, idstitch.cc_hook_sql(edges)),
        'select (select count(*) from ' ~ edges ~ ') as edges, count(*) as hooked, sum(pending) as pending from ' ~ hooks)) -}}
{%- endmacro %}


{% macro _cc_pointer_jump(runner, target, round_number, pending) -%}
    {#- Resolves a round's hooks to roots: parent := parent(parent) on the rows whose parent
        is itself hooked (`pending`: how many), one call per jump, until none is. Each jump
        halves the forest's depth: 64 jumps cover any forest of 64-bit node ids. Returns
        {'pointers': the resolved work table, 'jumps': jumps done, 'drops': the statement
        dropping the other copy, if one was written}. -#}
    {%- set jumping = namespace(current='a', jumps=0, pending=pending) -%}
    {%- for jump in range(64) if jumping.pending > 0 -%}
        {%- set following = 'b' if jumping.current == 'a' else 'a' -%}
        {%- set written = idstitch._cc_hooks(runner, target, round_number, following) -%}
        {%- set jumping.pending = idstitch.cc_execute(runner, idstitch.cc_replace_sql(runner, written,
            idstitch.cc_jump_sql(idstitch._cc_hooks(runner, target, round_number, jumping.current))),
            'select sum(pending) as pending from ' ~ written).pending -%}
        {%- set jumping.current = following -%}
        {%- set jumping.jumps = jumping.jumps + 1 -%}
    {%- endfor -%}
    {%- if jumping.pending > 0 -%}
        {{- exceptions.raise_compiler_error(
            "idstitch: pointer jumping (round " ~ round_number ~ ") did not converge within 64 jumps. "
            ~ "This cannot happen for a forest of 64-bit node ids (a pointer cycle would be a bug); "
            ~ "please report it with the dbt log of this build (its rounds are logged there)."
        ) -}}
    {%- endif -%}
    {%- set other = 'b' if jumping.current == 'a' else 'a' -%}
    {{- return({'pointers': idstitch._cc_hooks(runner, target, round_number, jumping.current),
        'jumps': jumping.jumps,
        'drops': [idstitch.cc_drop_sql(idstitch._cc_hooks(runner, target, round_number, other))]
            if jumping.jumps > 0 else []}) -}}
{%- endmacro %}


{% macro _cc_resolve_sql(runner, target, round_pointers) -%}
    {#- The backward resolution, as statements. The roots of the last round are final; a
        node hooked in round t points at a node of round t + 1's graph, whose final root is
        known once the later rounds are resolved. One pass per round from the last but one
        down to round 2, each probing only the (smaller) resolved later rounds; the pass
        over round 1, the largest, is part of the model's SQL, so its pointers are written
        once. -#}
    {%- if round_pointers | length < 2 -%}
        {{- return([]) -}}
    {%- endif -%}
    {%- set resolved = idstitch.cc_work_relation(runner, target, 'resolved') -%}
    {%- set statements = idstitch.cc_replace_sql(runner, resolved,
        'select node_id, parent_id from ' ~ round_pointers[-1]) -%}
    {%- for pointers in round_pointers[1:-1] | reverse -%}
        {%- do statements.append('insert into ' ~ resolved ~ ' (node_id, parent_id) '
            ~ idstitch.cc_resolve_round_sql(pointers, resolved)) -%}
    {%- endfor -%}
    {{- return(statements) -}}
{%- endmacro %}


{% macro _cc_model_sql(runner, target, round_pointers) -%}
    {#- The SQL of the model's table, from round 1's pointers and the resolved later rounds. -#}
    {%- if not round_pointers -%}
        {{- return(idstitch.cc_no_component_sql(idstitch._cc_edges(runner, target, 1))) -}}
    {%- endif -%}
    {{- return(idstitch.cc_final_sql(round_pointers[0], idstitch.cc_work_relation(runner, target, 'resolved')
        if round_pointers | length >= 2 else none)) -}}
{%- endmacro %}


{% macro _cc_finish(runner, target, contracted, seconds) -%}
    {#- Once the model's table is built (`seconds`: the backward passes and the build): the
        rounds' records and the resolution's record, and the work tables' drops. One
        backward pass per round but the last. -#}
    {%- set passes = [contracted.rounds - 1, 0] | max -%}
    {%- do log("idstitch components: resolved " ~ contracted.pointers ~ " pointers in "
        ~ passes ~ " backward passes and built the table in " ~ '%.2f' | format(seconds) ~ " s",
        info=True) -%}
    {%- set records = contracted.records + [idstitch.cc_resolve_record(contracted.rounds + 1, contracted.pointers, passes, seconds)] -%}
    {%- do idstitch.cc_execute(runner, idstitch.cc_rounds_log_sql(target, records)
        + idstitch._cc_work_table_drops(runner, target, contracted)) -%}
{%- endmacro %}


{% macro _cc_work_table_drops(runner, target, contracted) -%}
    {#- The statements dropping every work table left by the rounds of `contracted`: the edges,
        the resolved pointers, each round's pointers and the last hook (of the round that
        found no edge, or of the round after the cap). -#}
    {%- set tables = [idstitch._cc_edges(runner, target, 1), idstitch._cc_edges(runner, target, 2),
        idstitch.cc_work_relation(runner, target, 'resolved')] + contracted.round_pointers
        + [idstitch._cc_hooks(runner, target, contracted.rounds + 1, 'a')] -%}
    {%- set statements = [] -%}
    {%- for table in tables -%}
        {%- do statements.append(idstitch.cc_drop_sql(table)) -%}
    {%- endfor -%}
    {{- return(statements) -}}
{%- endmacro %}


{% macro cc_components_into(runner, work_target, relation, edges_sql) -%}
    {#- The components step as a building block for other steps: the components of the
        edges (node_a, node_b) of `edges_sql` into the work table `relation` (node_id,
        component_id = smallest node id), with the work tables named after
        `work_target`. Its rounds are logged, not recorded. Returns the rounds done. -#}
    {%- set contracted = idstitch._cc_contract_rounds(runner, work_target, edges_sql,
        var('idstitch_max_rounds', 64) | int) -%}
    {%- do idstitch.cc_execute(runner, idstitch._cc_resolve_sql(runner, work_target, contracted.round_pointers)
        + idstitch.cc_replace_sql(runner, relation, idstitch._cc_model_sql(runner, work_target, contracted.round_pointers))
        + idstitch._cc_work_table_drops(runner, work_target, contracted)) -%}
    {{- return(contracted.rounds) -}}
{%- endmacro %}
