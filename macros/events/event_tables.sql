{#- Which raw event tables a build reads (docs/contract.md, "Inputs"). `identifies` is
    required; `tracks`, `pages`, `screens` and `aliases` are read when the source schema
    has them and var idstitch_using_<table> (default true) does not turn them off. -#}

{% macro event_tables() -%}
    {#- [(raw table, event type)] of every raw event table idstitch can read. -#}
    {{- return([('identifies', 'identify'), ('tracks', 'track'), ('pages', 'page'),
        ('screens', 'screen'), ('aliases', 'alias')]) -}}
{%- endmacro %}


{% macro optional_event_tables() -%}
    {#- The raw tables a build reads only when they are there (and not turned off). -#}
    {{- return(['tracks', 'pages', 'screens', 'aliases']) -}}
{%- endmacro %}


{% macro skipped_table_reason(table_key, event_source=none) -%}
    {#- Why the optional raw table `table_key` is not read this build from `event_source`
        (an event_sources() item): `turned_off` (var idstitch_using_<table> is false),
        `not_found` (the source lacks it: no such relation, or a source listing its
        tables without this one), or none when it is read. Without `event_source`: the
        reason when no source reads it (the first source's), else none. Always none while
        dbt parses (nothing is looked up then). -#}
    {%- if table_key not in idstitch.optional_event_tables() -%}
        {{- exceptions.raise_compiler_error("idstitch: `" ~ table_key ~ "` is no optional raw table.") -}}
    {%- endif -%}
    {%- if not execute -%}
        {{- return(none) -}}
    {%- endif -%}
    {%- if event_source is none -%}
        {%- set reasons = [] -%}
        {%- for each_source in idstitch.event_sources() -%}
            {%- do reasons.append(idstitch.skipped_table_reason(table_key, each_source)) -%}
        {%- endfor -%}
        {{- return(none if none in reasons else reasons[0]) -}}
    {%- endif -%}
    {%- set using = {
        'tracks': var('idstitch_using_tracks', true), 'pages': var('idstitch_using_pages', true),
        'screens': var('idstitch_using_screens', true), 'aliases': var('idstitch_using_aliases', true)} -%}
    {%- if not using[table_key] -%}
        {{- return('turned_off') -}}
    {%- endif -%}
    {%- set relation = idstitch.source_relation(table_key, event_source) -%}
    {%- if relation is none or adapter.get_relation(database=relation.database, schema=relation.schema,
            identifier=relation.identifier) is none -%}
        {{- return('not_found') -}}
    {%- endif -%}
    {{- return(none) -}}
{%- endmacro %}


{% macro skipped_table_sources(table_key) -%}
    {#- [(source name, reason)] of the sources that do not read the optional raw table
        `table_key` this build (skipped_table_reason); [] while dbt parses. -#}
    {%- set skipped = [] -%}
    {%- for each_source in idstitch.event_sources() -%}
        {%- set reason = idstitch.skipped_table_reason(table_key, each_source) -%}
        {%- if reason is not none -%}
            {%- do skipped.append((each_source['name'], reason)) -%}
        {%- endif -%}
    {%- endfor -%}
    {{- return(skipped) -}}
{%- endmacro %}


{% macro log_skipped_table(table_key) -%}
    {#- Says in the build log that the optional raw table `table_key` is skipped, and why,
        for each source that skips it (called by its staging model, so once a build).
        Returns no SQL. -#}
    {%- for source_name, reason in idstitch.skipped_table_sources(table_key) if execute -%}
        {%- set event_source = idstitch.event_sources() | selectattr('name', 'equalto', source_name) | first -%}
        {%- set relation = idstitch.source_relation(table_key, event_source) -%}
        {%- set why = ('var idstitch_using_' ~ table_key ~ ' is false') if reason == 'turned_off'
            else ('there is no table ' ~ relation) if relation is not none
            else ('source `' ~ source_name ~ '` lists no ' ~ table_key ~ ' table') -%}
        {%- set where = '' if event_source['entry'] is none else ' of source `' ~ source_name ~ '`' -%}
        {%- do log("idstitch: the raw table `" ~ table_key ~ "`" ~ where ~ " is skipped (" ~ why
            ~ "): no " ~ table_key ~ " events are read from it this build.", info=true) -%}
    {%- endfor -%}
    {{- return('') -}}
{%- endmacro %}


{% macro skipped_table_notes(table_key) -%}
    {#- The example_value of each `table_skipped` row of idstitch_data_quality for the
        optional raw table `table_key`: the reason (skipped_table_reason) for the default
        source, `<source name>: <reason>` for each source of var idstitch_sources that
        skips it. -#}
    {%- set notes = [] -%}
    {%- for source_name, reason in idstitch.skipped_table_sources(table_key) -%}
        {%- do notes.append(reason if not idstitch.several_sources() else source_name ~ ': ' ~ reason) -%}
    {%- endfor -%}
    {{- return(notes) -}}
{%- endmacro %}
