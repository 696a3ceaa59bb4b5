{#- What an encrypted build leaves behind: no readable copy of personal data
    outside the encrypted marts. Models that hold plain text (or a copy of key
    store rows) carry the tag `idstitch_plain_text`; after the build, every such
    relation this invocation ran is dropped, wherever it was built (custom
    schemas and aliases included). The key store is never touched here. -#}

{% macro after_build() -%}
    {#- on-run-end: with encryption on, after `dbt build` / `dbt run`, drop the
        plain-text relations of this invocation. -#}
    {%- if idstitch.encryption_enabled() and execute and flags.WHICH in ['build', 'run'] -%}
        {%- set dropped = idstitch.drop_plain_text_relations(results) -%}
        {%- do log("idstitch: encryption on; dropped " ~ dropped ~ " plain-text relation(s)", info=True) -%}
    {%- endif -%}
{%- endmacro %}


{% macro drop_plain_text_relations(run_results) -%}
    {#- Drop the relations of the models tagged `idstitch_plain_text` among
        `run_results` (any status: a failed or skipped model may have left an
        earlier copy); views first, as they read the tables. Returns the count. -#}
    {%- set views = [] -%}
    {%- set others = [] -%}
    {%- for result in run_results
            if result.node.resource_type == 'model' and 'idstitch_plain_text' in result.node.tags -%}
        {%- set relation = adapter.get_relation(
            database=result.node.database, schema=result.node.schema, identifier=result.node.alias
        ) -%}
        {%- if relation is not none -%}
            {%- do (views if relation.is_view else others).append(relation) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for relation in views + others -%}
        {%- do adapter.drop_relation(relation) -%}
    {%- endfor -%}
    {{- return((views + others) | length) -}}
{%- endmacro %}
