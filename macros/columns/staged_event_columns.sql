{#- The event columns of a staged event table, as every staging model of one selects them. -#}

{% macro select_event_columns(table_key, columns) -%}
    {#- The select list of the event columns every event table shares (macro
        event_columns), cast and renamed: `id` -> event_id, `timestamp` -> event_at (and
        has_unreadable_timestamp, whether a raw value could not be read), received_at.
        `columns` is the table's source_columns() ({} for a skipped table: all null). -#}
    {{ idstitch.source_column(columns, 'id', dbt.type_string()) }} as event_id,
        {{ idstitch.source_column(columns, 'anonymous_id', dbt.type_string()) }} as anonymous_id,
        {{ idstitch.source_column(columns, 'user_id', dbt.type_string()) }} as user_id,
        {{ idstitch.source_timestamp(table_key, columns, 'timestamp') }} as event_at,
        {{ idstitch.source_timestamp_unreadable(table_key, columns, 'timestamp') }} as has_unreadable_timestamp,
        {{ idstitch.source_timestamp(table_key, columns, 'received_at') }} as received_at
{%- endmacro %}
