{#- What a killed encrypted build leaves behind. The after-build drop
    (macros/privacy/after_build.sql) never runs when a build is killed, so the
    plain-text relations it had committed stay until the next run: this on-run-start
    hook drops them first thing, before anything is built. The window is the time
    between the kill and the start of the next `dbt build` / `dbt run`. -#}

{% macro drop_plain_text_leftovers() -%}
    {#- on-run-start: with encryption on, before `dbt build` / `dbt run` builds anything,
        drop every relation of a model tagged `idstitch_plain_text` that exists (wherever
        the project builds it), with dbt's `__dbt_tmp` and `__dbt_backup` copies. -#}
    {%- if idstitch.encryption_enabled() and execute and flags.WHICH in ['build', 'run'] -%}
        {%- set views = [] -%}
        {%- set others = [] -%}
        {%- for node in graph.nodes.values()
                if node.resource_type == 'model' and 'idstitch_plain_text' in node.tags -%}
            {%- for suffix in ['', '__dbt_tmp', '__dbt_backup'] -%}
                {%- set relation = adapter.get_relation(
                    database=node.database, schema=node.schema, identifier=node.alias ~ suffix
                ) -%}
                {%- if relation is not none -%}
                    {%- do (views if relation.is_view else others).append(relation) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- for relation in views + others -%}
            {%- do adapter.drop_relation(relation) -%}
        {%- endfor -%}
        {%- do log("idstitch: encryption on; dropped " ~ (views + others) | length
            ~ " plain-text relation(s) a previous run left", info=True) -%}
    {%- endif -%}
{%- endmacro %}
