{#- A build never writes over its own sources: idstitch publishes `identifies`, `pages` and
    friends, and raw tables of the same names are common in the target schema. -#}

{% macro assert_no_source_overwritten() -%}
    {#- Fails before anything is built when a relation this project builds (a model or a
        snapshot of any package) is one of idstitch's sources (the sources file's, and the
        raw tables of var idstitch_sources), naming both. Seeds are left
        out: the demo seeds are the demo's sources by design. -#}
    {%- if not execute -%}
        {{- return('') -}}
    {%- endif -%}
    {%- set sources = {} -%}
    {%- for source_node in graph.sources.values() if source_node.package_name == 'idstitch' -%}
        {%- do sources.update({idstitch._relation_key(source_node.relation_name): source_node}) -%}
    {%- endfor -%}
    {#- the raw tables of var idstitch_sources (not those read by ref: models by design) -#}
    {%- for event_source in idstitch.event_sources() if event_source['entry'] is not none -%}
        {%- for table, event_type in idstitch.event_tables() -%}
            {%- set listed = (event_source['entry'].get('tables') or {}).get(table) or {} -%}
            {%- set relation = none if listed.get('ref') else idstitch.source_relation(table, event_source) -%}
            {%- if relation is not none -%}
                {%- do sources.update({idstitch._relation_key(relation | string): {
                    'name': table, 'source_name': 'idstitch_sources: ' ~ event_source['name']}}) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- for node in graph.nodes.values() if node.resource_type in ['model', 'snapshot'] and node.relation_name -%}
        {%- set source_node = sources.get(idstitch._relation_key(node.relation_name)) -%}
        {%- if source_node is not none -%}
            {{- exceptions.raise_compiler_error(
                "idstitch: the " ~ node.resource_type ~ " `" ~ node.unique_id ~ "` would be built at "
                ~ node.relation_name ~ ", which is the raw table `" ~ source_node.name
                ~ "` that idstitch reads (source `" ~ source_node.source_name ~ "." ~ source_node.name
                ~ "`). Nothing was built. Point idstitch at its raw tables with the vars "
                ~ "idstitch_source_database / idstitch_source_schema / idstitch_<table>_table, or build "
                ~ "the model elsewhere (its +schema or alias)."
            ) -}}
        {%- endif -%}
    {%- endfor -%}
    {{- return('') -}}
{%- endmacro %}


{% macro _relation_key(relation_name) -%}
    {#- A rendered relation name compared without quoting or case. -#}
    {{- return((relation_name or '') | replace('"', '') | replace('`', '') | lower) -}}
{%- endmacro %}
