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


{% macro skipped_table_reason(table_key) -%}
    {#- Why the optional raw table `table_key` is not read this build: `turned_off` (var
        idstitch_using_<table> is false), `not_found` (the source schema lacks it), or none
        when it is read. Always none while dbt parses (nothing is looked up then). -#}
    {%- if table_key not in idstitch.optional_event_tables() -%}
        {{- exceptions.raise_compiler_error("idstitch: `" ~ table_key ~ "` is no optional raw table.") -}}
    {%- endif -%}
    {%- if not execute -%}
        {{- return(none) -}}
    {%- endif -%}
    {%- set using = {
        'tracks': var('idstitch_using_tracks', true), 'pages': var('idstitch_using_pages', true),
        'screens': var('idstitch_using_screens', true), 'aliases': var('idstitch_using_aliases', true)} -%}
    {%- if not using[table_key] -%}
        {{- return('turned_off') -}}
    {%- endif -%}
    {%- set relation = idstitch.raw_relation(table_key) -%}
    {%- if adapter.get_relation(database=relation.database, schema=relation.schema,
            identifier=relation.identifier) is none -%}
        {{- return('not_found') -}}
    {%- endif -%}
    {{- return(none) -}}
{%- endmacro %}


{% macro log_skipped_table(table_key) -%}
    {#- Says in the build log that the optional raw table `table_key` is skipped, and why
        (called by its staging model, so once a build). Returns no SQL. -#}
    {%- set reason = idstitch.skipped_table_reason(table_key) -%}
    {%- if execute and reason is not none -%}
        {%- set why = ('var idstitch_using_' ~ table_key ~ ' is false') if reason == 'turned_off'
            else ('there is no table ' ~ idstitch.raw_relation(table_key)) -%}
        {%- do log("idstitch: the raw table `" ~ table_key ~ "` is skipped (" ~ why
            ~ "): no " ~ table_key ~ " events are read this build.", info=true) -%}
    {%- endif -%}
    {{- return('') -}}
{%- endmacro %}
