{#- Column introspection of the raw tables.

    Segment-style tables differ per customer: trait columns come and go and
    clients send camelCase as well as snake_case names. These macros read the
    source's columns at run time and map every column to its snake_case name,
    so the models never hard-code which trait columns exist. Every raw name is
    put into SQL through quote_identifier, never as it is. -#}

{% macro raw_relation(table_key) -%}
    {#- Where source('idstitch', table_key) points, built from the same vars as
        _staging__sources.yml (keep the two in step). Built here rather than with
        source() so that unit tests, which replace sources, can still introspect. Its vars
        are checked first (validate_var): this may run while dbt parses, before the
        on-run-start hook, and a table name of a wrong type must fail naming its var. -#}
    {%- for name in ['idstitch_source_database', 'idstitch_source_schema', 'idstitch_' ~ table_key ~ '_table'] -%}
        {%- do idstitch.validate_var(name) -%}
    {%- endfor -%}
    {{- return(api.Relation.create(
        database=var('idstitch_source_database', target.get('database')),
        schema=var('idstitch_source_schema', target.schema ~ '_idstitch_raw'),
        identifier=var('idstitch_' ~ table_key ~ '_table', table_key)
    )) -}}
{%- endmacro %}


{% macro source_columns(table_key, required=[], event_source=none) -%}
    {#- Returns {snake_name: [column names that mean it]} for the raw table `table_key` of
        `event_source` (an event_sources() item; none: the default source, which is
        source('idstitch', table_key)). The snake_case spelling, when present, comes first
        so it wins in coalesce(). Fails with a message naming the table (and the source)
        or the column when one is missing. -#}
    {%- if not execute -%}
        {{- return({}) -}}
    {%- endif -%}
    {%- set relation = idstitch.raw_relation(table_key) if event_source is none
        else idstitch.source_relation(table_key, event_source) -%}
    {%- set found = none if relation is none else adapter.get_relation(
        database=relation.database, schema=relation.schema, identifier=relation.identifier
    ) -%}
    {%- if found is none and (event_source is none or event_source['entry'] is none) -%}
        {{- exceptions.raise_compiler_error(
            "idstitch: the raw table `" ~ table_key ~ "` was not found at " ~ relation
            ~ ". Point the package at your Segment schema with the vars "
            ~ "idstitch_source_database, idstitch_source_schema and idstitch_"
            ~ table_key ~ "_table."
        ) -}}
    {%- elif found is none -%}
        {{- exceptions.raise_compiler_error(
            "idstitch: the raw table `" ~ table_key ~ "` of source `" ~ event_source['name']
            ~ "` (var idstitch_sources) was not found"
            ~ (" at " ~ relation if relation is not none else ": the source lists no " ~ table_key ~ " table")
            ~ ". Every source needs its " ~ table_key ~ " table."
        ) -}}
    {%- endif -%}
    {%- set by_snake = {} -%}
    {%- for column in adapter.get_columns_in_relation(found) -%}
        {%- set snake = idstitch.snake_case(column.name) -%}
        {%- if snake not in by_snake -%}
            {%- do by_snake.update({snake: []}) -%}
        {%- endif -%}
        {%- if column.name == snake -%}
            {%- do by_snake[snake].insert(0, column.name) -%}
        {%- else -%}
            {%- do by_snake[snake].append(column.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for name in required -%}
        {%- if name not in by_snake -%}
            {{- exceptions.raise_compiler_error(
                "idstitch: required column `" ~ name ~ "` is missing from the raw table "
                ~ found ~ " (columns found: " ~ (by_snake.keys() | list | sort | join(', ')) ~ ")."
            ) -}}
        {%- endif -%}
    {%- endfor -%}
    {{- return(by_snake) -}}
{%- endmacro %}


{% macro source_column(columns, name, cast_to=none) -%}
    {#- SQL for the column `name` of a source: coalesce of its spellings, or a typed
        null when the table lacks it (missing optional columns are null, not an error). -#}
    {%- set spellings = columns.get(name, []) -%}
    {%- if spellings | length == 0 -%}
        cast(null as {{ cast_to or dbt.type_string() }})
    {%- else -%}
        {%- set quoted = [] -%}
        {%- for spelling in spellings -%}
            {%- if cast_to -%}
                {%- do quoted.append('cast(' ~ idstitch.quote_identifier(spelling) ~ ' as ' ~ cast_to ~ ')') -%}
            {%- else -%}
                {%- do quoted.append(idstitch.quote_identifier(spelling)) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if quoted | length == 1 -%}
            {{ quoted[0] }}
        {%- else -%}
            coalesce({{ quoted | join(', ') }})
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}


{% macro source_timestamp(table_key, columns, name, relation=none) -%}
    {#- A timestamp column of a source as UTC `timestamp` (without time zone), by the
        column's type: `timestamp` as it is; `timestamp with time zone` converted to UTC
        explicitly, not through the session's time zone; text parsed as ISO-8601, an
        offset or `Z` converted to UTC (iso_timestamp); numbers read as epoch seconds, or
        milliseconds from 1e11 on (epoch_timestamp). A value that cannot be read is null
        (source_timestamp_unreadable tells it from a null in the source). `relation`: the
        raw table read (none: the default source's, raw_relation). -#}
    {%- set read = idstitch._source_timestamp_spellings(table_key, columns, name, relation) -%}
    {%- if read | length == 0 -%}
        {{- return('cast(null as ' ~ dbt.type_timestamp() ~ ')') -}}
    {%- endif -%}
    {%- set converted = read | map(attribute=1) | list -%}
    {{- return(converted[0] if converted | length == 1 else 'coalesce(' ~ converted | join(', ') ~ ')') -}}
{%- endmacro %}


{% macro source_timestamp_unreadable(table_key, columns, name, relation=none) -%}
    {#- Boolean SQL: the source has a value for the timestamp column `name` but
        source_timestamp cannot read it (text that is no ISO-8601 timestamp, a number out
        of range). False when the column is missing or null. -#}
    {%- set read = idstitch._source_timestamp_spellings(table_key, columns, name, relation) -%}
    {%- if read | length == 0 -%}
        {{- return('(1 = 0)') -}}
    {%- endif -%}
    {%- set present = [] -%}
    {%- for quoted, converted in read -%}
        {%- do present.append(quoted ~ ' is not null') -%}
    {%- endfor -%}
    {{- return('(' ~ idstitch.source_timestamp(table_key, columns, name, relation) ~ ' is null and ('
        ~ present | join(' or ') ~ '))') -}}
{%- endmacro %}


{% macro _source_timestamp_spellings(table_key, columns, name, relation=none) -%}
    {#- [(quoted spelling, its SQL as UTC timestamp)] for each spelling of `name`. -#}
    {%- set types = {} -%}
    {%- if execute and columns.get(name) -%}
        {%- for column in adapter.get_columns_in_relation(relation or idstitch.raw_relation(table_key)) -%}
            {%- do types.update({column.name: column.data_type | lower}) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set numeric = ('int', 'bigint', 'smallint', 'tinyint', 'hugeint', 'long', 'short', 'byte',
        'double', 'float', 'real', 'decimal', 'numeric', 'ubigint', 'uinteger', 'usmallint',
        'utinyint', 'uhugeint') -%}
    {%- set text = ('varchar', 'text', 'string', 'char', 'character', 'bpchar') -%}
    {%- set read = [] -%}
    {%- for spelling in columns.get(name, []) -%}
        {%- set data_type = types.get(spelling, '') -%}
        {#- the type's first word: `double precision`, `character varying(9)`, `decimal(18,3)` -#}
        {%- set base = (data_type.split('(')[0] | trim).split(' ')[0] -%}
        {%- set quoted = idstitch.quote_identifier(spelling) -%}
        {%- if 'with time zone' in data_type or data_type.startswith('timestamptz') -%}
            {%- do read.append((quoted, idstitch.utc_timestamp(quoted))) -%}
        {%- elif base in text -%}
            {%- do read.append((quoted, idstitch.iso_timestamp(quoted))) -%}
        {%- elif base in numeric or base.startswith('int') or base.startswith('float') -%}
            {%- do read.append((quoted, idstitch.epoch_timestamp(quoted))) -%}
        {%- else -%}
            {%- do read.append((quoted, 'cast(' ~ quoted ~ ' as ' ~ dbt.type_timestamp() ~ ')')) -%}
        {%- endif -%}
    {%- endfor -%}
    {{- return(read) -}}
{%- endmacro %}
