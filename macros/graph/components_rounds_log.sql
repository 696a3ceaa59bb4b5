{#- The rounds log of the components step. The materialization appends its build's
    records (one per round, and one for the backward resolution) to the relation
    `<model>__rounds` beside the model; the model `idstitch_component_rounds` publishes
    them and drops that relation. A build that fails on the round cap leaves its
    records there (where the engine keeps them) until the next build publishes them. -#}

{% macro cc_rounds_relation(model) -%}
    {#- The relation `<model>__rounds` holding the round records not yet published. -#}
    {{- return(api.Relation.create(database=model.database, schema=model.schema,
        identifier=model.identifier ~ '__rounds', type='table')) -}}
{%- endmacro %}


{% macro cc_contract_record(round_number, edges_in, nodes_hooked, pointer_jumps, edges_out, seconds) -%}
    {#- The record of a contraction round. -#}
    {{- return({'round_number': round_number, 'phase': 'contract', 'edges_in': edges_in,
        'nodes_hooked': nodes_hooked, 'pointer_jumps': pointer_jumps, 'edges_out': edges_out,
        'pointers_resolved': none, 'resolve_passes': none, 'seconds': seconds}) -}}
{%- endmacro %}


{% macro cc_resolve_record(round_number, pointers_resolved, resolve_passes, seconds) -%}
    {#- The record of the backward resolution (after the last round). -#}
    {{- return({'round_number': round_number, 'phase': 'resolve', 'edges_in': none,
        'nodes_hooked': none, 'pointer_jumps': none, 'edges_out': none,
        'pointers_resolved': pointers_resolved, 'resolve_passes': resolve_passes,
        'seconds': seconds}) -}}
{%- endmacro %}


{% macro cc_rounds_log_sql(model, records) -%}
    {#- The statements appending `records` of the build of `model` to its rounds relation
        (created when missing). -#}
    {%- set relation = idstitch.cc_rounds_relation(model) -%}
    {%- set columns = ['round_number', 'phase', 'edges_in', 'nodes_hooked', 'pointer_jumps',
        'edges_out', 'pointers_resolved', 'resolve_passes', 'seconds'] -%}
    {%- set rows = [] -%}
    {%- for record in records -%}
        {%- set values = ["'" ~ invocation_id ~ "'", "'" ~ model.identifier ~ "'"] -%}
        {%- for column in columns -%}
            {%- set value = record[column] -%}
            {%- do values.append('null' if value is none else ("'" ~ value ~ "'" if value is string else value)) -%}
        {%- endfor -%}
        {%- do rows.append('(' ~ (values + [dbt.current_timestamp()]) | join(', ') ~ ')') -%}
    {%- endfor -%}
    {{- return([idstitch.cc_create_rounds_table_sql(relation),
        'insert into ' ~ relation ~ ' (invocation_id, model_name, ' ~ columns | join(', ')
        ~ ', recorded_at) values ' ~ rows | join(', ')]) -}}
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
        pointers_resolved bigint,
        resolve_passes integer,
        seconds double precision,
        recorded_at {{ dbt.type_timestamp() }}
    )
{%- endmacro %}

{% macro spark__cc_create_rounds_table_sql(relation) -%}
    {#- Spark has no `double precision`; the table is a data source table in the
        session's default format (Parquet unless configured otherwise). -#}
    create table if not exists {{ relation }} (
        invocation_id {{ dbt.type_string() }},
        model_name {{ dbt.type_string() }},
        round_number int,
        phase {{ dbt.type_string() }},
        edges_in bigint,
        nodes_hooked bigint,
        pointer_jumps int,
        edges_out bigint,
        pointers_resolved bigint,
        resolve_passes int,
        seconds double,
        recorded_at {{ dbt.type_timestamp() }}
    )
{%- endmacro %}


{% macro cc_drop_published_rounds(model) -%}
    {#- Post-hook of `idstitch_component_rounds`: drops the rounds relation of `model`, its
        records now published. Returns no SQL. -#}
    {%- if execute -%}
        {%- do adapter.drop_relation(idstitch.cc_rounds_relation(model)) -%}
    {%- endif -%}
    {{- return('') -}}
{%- endmacro %}
