{#- Column introspection of the raw tables.

    Segment-style tables differ per customer: trait columns come and go and
    clients send camelCase as well as snake_case names. These macros read the
    source's columns at run time and map every column to its snake_case name,
    so the models never hard-code which trait columns exist. Every raw name is
    put into SQL through quote_identifier, never as it is. -#}

{% macro raw_relation(table_key) -%}
    {#- Where source('idstitch', table_key) points, built from the same vars as
        _staging__sources.yml (keep the two in step). Built here rather than with
        source() so that unit tests, which replace sources, can still introspect. -#}
    {{- return(api.Relation.create(
        database=var('idstitch_source_database', target.get('database')),
        schema=var('idstitch_source_schema', target.schema ~ '_idstitch_raw'),
        identifier=var('idstitch_' ~ table_key ~ '_table', table_key)
    )) -}}
{%- endmacro %}


{% macro source_columns(table_key, required=[]) -%}
    {#- Returns {snake_name: [column names that mean it]} for source('idstitch', table_key).
        The snake_case spelling, when present, comes first so it wins in coalesce().
        Fails with a message naming the table or the column when one is missing. -#}
    {%- if not execute -%}
        {{- return({}) -}}
    {%- endif -%}
    {%- set relation = idstitch.raw_relation(table_key) -%}
    {%- set found = adapter.get_relation(
        database=relation.database, schema=relation.schema, identifier=relation.identifier
    ) -%}
    {%- if found is none -%}
        {{- exceptions.raise_compiler_error(
            "idstitch: the raw table `" ~ table_key ~ "` was not found at " ~ relation
            ~ ". Point the package at your Segment schema with the vars "
            ~ "idstitch_source_database, idstitch_source_schema and idstitch_"
            ~ table_key ~ "_table."
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


{% macro source_timestamp(table_key, columns, name) -%}
    {#- A timestamp column of a source as UTC `timestamp` (without time zone): columns
        stored with a time zone are converted to UTC explicitly instead of through the
        session's time zone. -#}
    {%- set spellings = columns.get(name, []) -%}
    {%- if spellings | length == 0 -%}
        {{- return('cast(null as ' ~ dbt.type_timestamp() ~ ')') -}}
    {%- endif -%}
    {%- set types = {} -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(idstitch.raw_relation(table_key)) -%}
            {%- do types.update({column.name: column.data_type | lower}) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set converted = [] -%}
    {%- for spelling in spellings -%}
        {%- set data_type = types.get(spelling, '') -%}
        {%- set quoted = idstitch.quote_identifier(spelling) -%}
        {%- if 'time zone' in data_type or 'timestamptz' in data_type -%}
            {%- do converted.append(idstitch.utc_timestamp(quoted)) -%}
        {%- else -%}
            {%- do converted.append('cast(' ~ quoted ~ ' as ' ~ dbt.type_timestamp() ~ ')') -%}
        {%- endif -%}
    {%- endfor -%}
    {{- return(converted[0] if converted | length == 1 else 'coalesce(' ~ converted | join(', ') ~ ')') -}}
{%- endmacro %}
