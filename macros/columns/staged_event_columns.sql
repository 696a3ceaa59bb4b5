{#- The event columns of a staged event table, as every staging model of one selects them. -#}

{% macro select_event_columns(table_key, columns, relation=none) -%}
    {#- The select list of the event columns every event table shares (macro
        event_columns), cast and renamed: `id` -> event_id, `timestamp` -> event_at (and
        has_unreadable_timestamp, whether a raw value could not be read), received_at.
        `columns` is the table's source_columns() ({} for a skipped table: all null), `relation`
        the raw table read (none: the default source's). -#}
    {{ idstitch.source_column(columns, 'id', dbt.type_string()) }} as event_id,
        {{ idstitch.source_column(columns, 'anonymous_id', dbt.type_string()) }} as anonymous_id,
        {{ idstitch.source_column(columns, 'user_id', dbt.type_string()) }} as user_id,
        {{ idstitch.source_timestamp(table_key, columns, 'timestamp', relation) }} as event_at,
        {{ idstitch.source_timestamp_unreadable(table_key, columns, 'timestamp', relation) }} as has_unreadable_timestamp,
        {{ idstitch.source_timestamp(table_key, columns, 'received_at', relation) }} as received_at
{%- endmacro %}


{% macro stage_event_table(table_key, extra_columns) -%}
    {#- The SQL of the staging model of the optional raw table `table_key`: the rows of every
        source that reads it (macro event_sources; skipped_table_reason) unioned, each with
        source_name, the event columns (select_event_columns) and `extra_columns`, a list
        of (raw column, staged name) read as text; a column a source lacks is null in its
        rows. No rows when no source reads it: every column null. -#}
    {%- set read = [] -%}
    {%- for event_source in idstitch.event_sources() -%}
        {%- if idstitch.skipped_table_reason(table_key, event_source) is none -%}
            {%- set relation = idstitch.source_relation_sql(table_key, event_source) -%}
            {%- set columns = idstitch.source_columns(table_key, ['id', 'timestamp'], event_source) -%}
            {%- set raw = idstitch.source_relation(table_key, event_source) -%}
            {%- do read.append((event_source['name'], relation, columns, raw)) -%}
        {%- endif -%}
    {%- endfor -%}
    {{- idstitch.log_skipped_table(table_key) }}
with
{% for source_name, relation, columns, raw in read %}
source_{{ source_name }} as (

    select * from {{ relation }}

),
{% endfor %}
renamed as (
    {%- for source_name, relation, columns, raw in read %}
    {%- if not loop.first %}

    union all
    {%- endif %}

    select
        {{ dbt.string_literal(source_name) }} as source_name,
        {{ idstitch.select_event_columns(table_key, columns, raw) }}
        {%- for column, name in extra_columns %},
        {{ idstitch.source_column(columns, column, dbt.type_string()) }} as {{ name }}
        {%- endfor %}
    from source_{{ source_name }}
    {%- else %}

    {#- no source reads it: no rows, every column null #}
    select
        cast(null as {{ dbt.type_string() }}) as source_name,
        {{ idstitch.select_event_columns(table_key, {}) }}
        {%- for column, name in extra_columns %},
        cast(null as {{ dbt.type_string() }}) as {{ name }}
        {%- endfor %}
    where 1 = 0
    {%- endfor %}

)

select * from renamed
{%- endmacro %}
