{#- dbt's seed loading (load_csv_rows) made safe where an engine needs it. -#}

{% macro _spark_literal(value) -%}
    {#- A Python value from a seed's CSV as a Spark SQL literal. -#}
    {%- if value is none -%}
        null
    {%- elif value is boolean -%}
        {{ 'true' if value else 'false' }}
    {%- elif value is number -%}
        {{ value }}
    {%- elif value.isoformat is defined -%}
        '{{ value.isoformat(' ') if value.hour is defined else value.isoformat() }}'
    {%- else -%}
        '{{ value | string | replace('\\', '\\\\') | replace("'", "\\'") }}'
    {%- endif -%}
{%- endmacro %}


{% macro spark__load_csv_rows(model, agate_table) %}
    {#- dbt-spark 1.11 binds seed values by formatting them into the SQL text: an empty
        cell becomes the string 'None' (with `method: session`) and a quote or backslash
        in a value breaks the statement. The demo seeds (loaded only when idstitch is the
        root project) go through this instead: every value a quoted, escaped literal and
        an empty cell null, whatever the connection method. -#}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set types = [] -%}
    {%- for col_name in agate_table.column_names -%}
        {%- do types.append(column_override.get(col_name, adapter.convert_type(agate_table, loop.index0))) -%}
    {%- endfor -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for value in row -%}
                    cast({{ idstitch._spark_literal(value) }} as {{ types[loop.index0] }})
                    {%- if not loop.last %}, {% endif -%}
                {%- endfor -%})
                {%- if not loop.last %},{% endif %}
            {% endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.index0 == 0 -%}
            {%- do statements.append(sql) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else '') }}
{% endmacro %}
