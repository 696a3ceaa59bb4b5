{#- Which sources a build reads (docs/contract.md, "Inputs", "Several sources"): one
    source named `default` at the vars idstitch_source_database / idstitch_source_schema
    when var idstitch_sources is not set, else every entry of that list, each a schema
    (or a set of relations) holding its own identifies, tracks, pages, screens and
    aliases tables. Their rows are unioned per table, each keeping its source's name. -#}

{% macro default_source_name() -%}
    {#- The name of the one source read when var idstitch_sources is not set. -#}
    {{- return('default') -}}
{%- endmacro %}


{% macro several_sources() -%}
    {#- Whether var idstitch_sources is set: then every event's key and order include the
        name of its source (macros event_key, event_order). -#}
    {{- return(var('idstitch_sources', none) is not none) -}}
{%- endmacro %}


{% macro source_entry_problem(entry, names_before) -%}
    {#- Why an entry of var idstitch_sources cannot be read (a sentence), or none. An entry
        is a mapping with a `name` (letters, digits and underscores, unique) and a `schema`
        (optional `database`) and/or `tables`, a mapping from raw table (identifies, tracks,
        pages, screens, aliases) to `{ref: <model>}` or `{schema: ..., table: ...,
        database: ...}` (database optional; table defaults to var idstitch_<table>_table). -#}
    {%- set tables = idstitch.event_tables() | map(attribute=0) | list -%}
    {%- if entry is not mapping -%}
        {{- return('it is not a mapping with a name and a schema or tables') -}}
    {%- endif -%}
    {%- for key in entry.keys() if key not in ['name', 'schema', 'database', 'tables'] -%}
        {{- return('it has the key `' ~ key ~ '` (known: name, schema, database, tables)') -}}
    {%- endfor -%}
    {%- set name = entry.get('name') -%}
    {%- if name is not string or modules.re.fullmatch('[A-Za-z0-9_]+', name) is none -%}
        {{- return('its name must be letters, digits and underscores') -}}
    {%- endif -%}
    {%- if name in names_before -%}
        {{- return('the name `' ~ name ~ '` is given twice') -}}
    {%- endif -%}
    {%- for key in ['schema', 'database'] if entry.get(key) is not none
            and (entry.get(key) is not string or entry.get(key) | trim == '') -%}
        {{- return('its ' ~ key ~ ' must be a non-empty string') -}}
    {%- endfor -%}
    {%- if entry.get('schema') is none and entry.get('tables') is none -%}
        {{- return('it has neither a schema nor tables') -}}
    {%- endif -%}
    {%- if entry.get('database') is not none and entry.get('schema') is none -%}
        {{- return('it has a database but no schema') -}}
    {%- endif -%}
    {%- set listed = entry.get('tables') -%}
    {%- if listed is not none and listed is not mapping -%}
        {{- return('its tables must be a mapping from raw table to {ref: model} or {schema: ..., table: ...}') -}}
    {%- endif -%}
    {%- for table, relation in (listed or {}).items() -%}
        {%- if table not in tables -%}
            {{- return('its tables name `' ~ table ~ '`, no raw table (known: ' ~ tables | join(', ') ~ ')') -}}
        {%- endif -%}
        {%- set keys = relation.keys() | list if relation is mapping else [] -%}
        {%- set is_ref = keys == ['ref'] and relation['ref'] is string and relation['ref'] | trim != '' -%}
        {%- set is_table = 'schema' in keys and keys | reject('in', ['schema', 'table', 'database']) | list | length == 0 -%}
        {%- set strings = relation is mapping and relation.values() | reject('string') | list | length == 0 -%}
        {%- if not ((is_ref or is_table) and strings) -%}
            {{- return('its table `' ~ table ~ '` must be {ref: <model name>} or {schema: ..., table: ..., database: ...}') -}}
        {%- endif -%}
    {%- endfor -%}
    {{- return(none) -}}
{%- endmacro %}


{% macro event_sources() -%}
    {#- [{name, entry}] of the sources read, in the order of var idstitch_sources (entry none
        for the default source). Fails, naming the var and the entry, on a bad entry. -#}
    {%- set entries = var('idstitch_sources', none) -%}
    {%- if entries is none -%}
        {{- return([{'name': idstitch.default_source_name(), 'entry': none}]) -}}
    {%- endif -%}
    {%- if entries is string or entries is mapping or entries is not iterable or entries | length == 0 -%}
        {{- exceptions.raise_compiler_error(
            "idstitch: var idstitch_sources is " ~ (entries | tojson) ~ ", which is not a non-empty list"
            ~ " of sources ({name: ..., schema: ...} or {name: ..., tables: {...}}).") -}}
    {%- endif -%}
    {%- set found = [] -%}
    {%- set names = [] -%}
    {%- for entry in entries -%}
        {%- set problem = idstitch.source_entry_problem(entry, names) -%}
        {%- if problem is not none -%}
            {{- exceptions.raise_compiler_error(
                "idstitch: var idstitch_sources, entry " ~ loop.index ~ " (" ~ (entry | tojson)
                ~ "): " ~ problem ~ ".") -}}
        {%- endif -%}
        {%- do names.append(entry['name']) -%}
        {%- do found.append({'name': entry['name'], 'entry': entry}) -%}
    {%- endfor -%}
    {{- return(found) -}}
{%- endmacro %}


{% macro source_relation(table_key, event_source) -%}
    {#- The relation of the raw table `table_key` in `event_source` (an event_sources()
        item), or none when the source lists tables and not this one. A `{ref: model}`
        table is the model's relation, looked up in the graph (none while dbt parses):
        any model may introspect it, while only the staging models ref() it
        (source_relation_sql), which makes dbt build it first. -#}
    {%- set entry = event_source['entry'] -%}
    {%- if entry is none -%}
        {{- return(idstitch.raw_relation(table_key)) -}}
    {%- endif -%}
    {%- set listed = (entry.get('tables') or {}).get(table_key) -%}
    {%- if listed is not none and listed.get('ref') is not none -%}
        {{- return(idstitch._model_relation_by_name(listed['ref'], event_source['name'])) -}}
    {%- endif -%}
    {%- set located = listed if listed is not none else entry if entry.get('schema') is not none else none -%}
    {%- if located is none -%}
        {{- return(none) -}}
    {%- endif -%}
    {%- do idstitch.validate_var('idstitch_' ~ table_key ~ '_table') -%}
    {{- return(api.Relation.create(
        database=located.get('database') or target.get('database'),
        schema=located['schema'],
        identifier=(listed or {}).get('table') or var('idstitch_' ~ table_key ~ '_table', table_key)
    )) -}}
{%- endmacro %}


{% macro source_relation_sql(table_key, event_source) -%}
    {#- The relation to select from in a staging model: source('idstitch', table) for the
        default source (the sources file declares it), else source_relation. -#}
    {%- if event_source['entry'] is none -%}
        {{- return(source('idstitch', table_key)) -}}
    {%- endif -%}
    {%- set listed = (event_source['entry'].get('tables') or {}).get(table_key) -%}
    {%- if listed is not none and listed.get('ref') is not none -%}
        {{- return(ref(listed['ref'])) -}}
    {%- endif -%}
    {{- return(idstitch.source_relation(table_key, event_source)) -}}
{%- endmacro %}


{% macro _model_relation_by_name(name, source_name) -%}
    {#- The relation of the model (or seed, snapshot) `name` of any project, from the graph;
        none while dbt parses. Fails naming the source when there is no such model. -#}
    {%- if not execute -%}
        {{- return(none) -}}
    {%- endif -%}
    {%- for node in graph.nodes.values()
            if node.resource_type in ['model', 'seed', 'snapshot'] and node.name == name -%}
        {{- return(api.Relation.create(database=node.database, schema=node.schema,
            identifier=node.alias or node.name)) -}}
    {%- endfor -%}
    {{- exceptions.raise_compiler_error(
        "idstitch: var idstitch_sources, source `" ~ source_name ~ "`: there is no model named `"
        ~ name ~ "` to read with {ref: " ~ name ~ "}.") -}}
{%- endmacro %}


{% macro received_since_per_source(relation_with_state, state_filter=none) -%}
    {#- Boolean SQL on a staged table's rows: received_since (the lookback window of a
        scoped build) with the high-water mark of the row's own source: each source's
        newest received_at in `relation_with_state` (its rows matching `state_filter`), so
        a source that delivers late, or is new, is read from its own last row on. -#}
    {%- set sources = idstitch.event_sources() -%}
    {%- if not idstitch.scoped_build() or (sources | length == 1 and sources[0]['entry'] is none) -%}
        {{- return(idstitch.received_since(relation_with_state, state_filter)) -}}
    {%- endif -%}
    {%- set parts = [] -%}
    {%- for event_source in sources -%}
        {%- set same_source = 'source_name = ' ~ dbt.string_literal(event_source['name']) -%}
        {%- do parts.append('(' ~ same_source ~ ' and ' ~ idstitch.received_since(relation_with_state,
            same_source ~ (' and ' ~ state_filter if state_filter else '')) ~ ')') -%}
    {%- endfor -%}
    {{- return('(' ~ parts | join(' or ') ~ ')') -}}
{%- endmacro %}
