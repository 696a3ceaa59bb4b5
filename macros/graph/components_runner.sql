{#- The runner of the components step: how its statements reach the engine, and where
    its work tables live. `cc_runner` is the one dispatched place where the two paths
    differ, and the only reader of var `idstitch_components_portable`:
    - portable (default__, PostgreSQL, Spark): one statement per call, on work tables
      beside the model;
    - batched (DuckDB): all the statements of a step in one call, on temporary tables
      (in memory, private to the connection). A build runs about a dozen such calls;
      at a few milliseconds of dbt overhead each, one call per statement would cost as
      much as the SQL on a graph of a million edges. -#}

{% macro cc_runner() -%}
    {{ return(adapter.dispatch('cc_runner', 'idstitch')()) }}
{%- endmacro %}

{% macro default__cc_runner() -%}
    {{- return({'batched': false}) -}}
{%- endmacro %}

{% macro duckdb__cc_runner() -%}
    {{- return({'batched': not var('idstitch_components_portable', false)}) -}}
{%- endmacro %}


{% macro cc_work_relation(runner, target, suffix) -%}
    {#- The work table `<target>__cc_<suffix>`: temporary when batched, else beside the target. -#}
    {%- set identifier = target.identifier ~ '__cc_' ~ suffix -%}
    {%- if runner.batched -%}
        {{- return(api.Relation.create(database='temp', schema='main', identifier=identifier, type='table')) -}}
    {%- endif -%}
    {{- return(api.Relation.create(database=target.database, schema=target.schema,
        identifier=identifier, type='table')) -}}
{%- endmacro %}


{% macro cc_replace_sql(runner, relation, select_sql) -%}
    {#- The statements (re)creating the work table `relation` as `select_sql`. -#}
    {%- if runner.batched -%}
        {{- return(['create or replace temp table ' ~ relation ~ ' as ' ~ select_sql]) -}}
    {%- endif -%}
    {{- return([idstitch.cc_drop_sql(relation), get_create_table_as_sql(False, relation, select_sql)]) -}}
{%- endmacro %}


{% macro cc_drop_sql(relation) -%}
    {#- The statement dropping the work table `relation` if it exists. -#}
    {{- return('drop table if exists ' ~ relation) -}}
{%- endmacro %}


{% macro cc_execute(runner, statements, count_sql=none) -%}
    {#- Sends `statements` in order, then runs the query `count_sql`, and returns its first
        row as a dict of integers by column name (null counts as 0; {} without it). -#}
    {%- if not runner.batched -%}
        {%- for sql in statements -%}
            {%- call statement('idstitch_cc_statement', fetch_result=False) -%}
                {{ sql }}
            {%- endcall -%}
        {%- endfor -%}
        {{- return(idstitch._cc_counts(count_sql) if count_sql else {}) -}}
    {%- endif -%}
    {%- if count_sql -%}
        {#- DuckDB runs a string of statements in order and returns the last one's rows -#}
        {{- return(idstitch._cc_counts((statements + [count_sql]) | join(';\n'))) -}}
    {%- elif statements -%}
        {#- no transaction is begun here: before the model's table is built (a failing
            build's records), each statement commits on its own -#}
        {%- call statement('idstitch_cc_statements', fetch_result=False, auto_begin=False) -%}
            {{ statements | join(';\n') }}
        {%- endcall -%}
    {%- endif -%}
    {{- return({}) -}}
{%- endmacro %}


{% macro _cc_counts(select_sql) -%}
    {#- The first row of a query as {column name: integer}, null counting as 0. -#}
    {%- set result = run_query(select_sql) -%}
    {%- set counts = {} -%}
    {%- for name in result.column_names -%}
        {%- do counts.update({name: (result.rows[0][loop.index0] or 0) | int}) -%}
    {%- endfor -%}
    {{- return(counts) -}}
{%- endmacro %}


{% macro cc_build_model(runner, target, existing, statements, final_sql) -%}
    {#- `statements` (the backward resolution), then the model's table as `final_sql`, in
        the statement `main`. Batched: all in one call, `create or replace table` (an
        existing view is dropped first); portable: the statements one per call, then the
        existing relation dropped and the table created. -#}
    {%- if runner.batched -%}
        {%- if existing is not none and not existing.is_table -%}
            {%- do adapter.drop_relation(existing) -%}
        {%- endif -%}
        {%- set statements = statements + ['create or replace table ' ~ target ~ ' as ' ~ final_sql] -%}
    {%- else -%}
        {%- do idstitch.cc_execute(runner, statements) -%}
        {%- if existing is not none -%}
            {%- do adapter.drop_relation(existing) -%}
        {%- endif -%}
        {%- set statements = [get_create_table_as_sql(False, target, final_sql)] -%}
    {%- endif -%}
    {% call statement('main') -%}
        {{ statements | join(';\n') }}
    {%- endcall %}
{%- endmacro %}
