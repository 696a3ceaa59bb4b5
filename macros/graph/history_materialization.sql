{#- The `idstitch_group_history` materialization: the model's SQL returns items
    (item_rank, is_query, node_a, node_b), links and questions in one order; the table
    built answers every question (item_rank, group_id): the smallest node of node_a's
    group in the graph of the links ranked before it. Divide and conquer on item_rank,
    one components step per level for all parts at once: the algorithm and why it is
    exact in docs block `idstitch_group_history` (history.md); the SQL of each step in
    history_steps.sql; statements go through the components step's runner. -#}

{% materialization idstitch_group_history, default %}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set runner = idstitch.cc_runner() -%}
    {%- set work = {
        'items_a': idstitch.cc_work_relation(runner, target_relation, 'gh_items_a'),
        'items_b': idstitch.cc_work_relation(runner, target_relation, 'gh_items_b'),
        'classified': idstitch.cc_work_relation(runner, target_relation, 'gh_classified'),
        'components': idstitch.cc_work_relation(runner, target_relation, 'gh_components'),
        'answers': idstitch.cc_work_relation(runner, target_relation, 'gh_answers'),
        'levels': api.Relation.create(database=target_relation.database, schema=target_relation.schema,
            identifier=target_relation.identifier ~ '__level', type='table')} -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {%- do idstitch._gh_levels(runner, work, sql) -%}
    {%- do idstitch.cc_build_model(runner, target_relation, load_cached_relation(this), [],
        'select item_rank, group_id from ' ~ work.answers) -%}
    {%- set drops = [] -%}
    {%- for name in ['items_a', 'items_b', 'classified', 'components', 'answers'] -%}
        {%- do drops.append(idstitch.cc_drop_sql(work[name])) -%}
    {%- endfor -%}
    {%- do idstitch.cc_execute(runner, drops) -%}

    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {% do adapter.commit() %}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}


{% macro _gh_levels(runner, work, items_sql) -%}
    {#- Runs the levels until no question is left. Each level halves the largest part,
        so a level cap of 31 (part numbers times 2^32 fit 63 bits) covers two billion
        items; reaching it fails the build. -#}
    {%- set started = modules.datetime.datetime.now() -%}
    {%- set state = namespace(items='items_a', level=0, counts=idstitch.cc_execute(runner,
        idstitch.cc_replace_sql(runner, work.items_a, idstitch.gh_initial_items_sql(items_sql))
        + idstitch.cc_replace_sql(runner, work.answers, 'select item_rank, node_a as group_id from '
            ~ work.items_a ~ ' where 1 = 0'),
        'select count(*) as items, sum(case when is_query then 1 else 0 end) as questions from ' ~ work.items_a)) -%}
    {%- do log("idstitch group history: " ~ state.counts.questions ~ " questions, "
        ~ (state.counts['items'] - state.counts.questions) ~ " links", info=True) -%}
    {%- for level in range(1, 32) if state.counts['items'] > 0 -%}
        {%- set following = 'items_b' if state.items == 'items_a' else 'items_a' -%}
        {%- do idstitch.cc_execute(runner,
            idstitch.cc_replace_sql(runner, work.classified, idstitch.gh_classify_sql(work[state.items]))
            + ['insert into ' ~ work.answers ~ ' (item_rank, group_id) ' ~ idstitch.gh_answers_sql(work.classified)]) -%}
        {%- do idstitch.cc_components_into(runner, work.levels, work.components,
            idstitch.gh_lower_links_sql(work.classified)) -%}
        {%- set state.counts = idstitch.cc_execute(runner,
            idstitch.cc_replace_sql(runner, work[following], idstitch.gh_next_items_sql(work.classified, work.components)),
            'select count(*) as items, sum(case when is_query then 1 else 0 end) as questions from ' ~ work[following]) -%}
        {%- set state.items = following -%}
        {%- set state.level = level -%}
        {%- do log("idstitch group history: level " ~ level ~ ": " ~ state.counts.questions
            ~ " questions left", info=True) -%}
    {%- endfor -%}
    {%- if state.counts['items'] > 0 -%}
        {{- exceptions.raise_compiler_error("idstitch: the group history did not finish within 31 levels ("
            ~ state.counts.questions ~ " questions left). Each level halves every part, so this "
            ~ "cannot happen below two billion items; please report it with the dbt log of this build.") -}}
    {%- endif -%}
    {%- do log("idstitch group history: done after " ~ state.level ~ " levels in "
        ~ '%.2f' | format((modules.datetime.datetime.now() - started).total_seconds()) ~ " s", info=True) -%}
{%- endmacro %}
