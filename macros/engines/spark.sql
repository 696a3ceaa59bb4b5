{#- Apache Spark variants of the dispatched idstitch macros (dbt-spark, Spark 3.3+).
    Only what Spark really does differently lives here; everything else is default__. -#}

{# ---- regular expressions ------------------------------------------------- #}
{% macro _spark_regex(pattern) -%}
    {#- A pattern as a Spark SQL string literal, with the same meaning as in DuckDB (RE2).
        Spark uses java.util.regex, which has no POSIX bracket classes: inside [...],
        `[:space:]` is a nested class of the letters s, p, a, c, e and ':'. They are
        translated to their ASCII Java equivalents. A final `$` becomes `\z`, since
        Java's `$` also matches before a trailing line terminator. Backslashes and
        quotes are escaped for Spark's string literals (which read backslash escapes). -#}
    {%- set ns = namespace(text=idstitch._ascii_posix_classes(pattern, '\\s', 'spark')) -%}
    {%- if modules.re.search('(^|[^\\\\])(\\\\\\\\)*\\$$', ns.text) -%}
        {%- set ns.text = ns.text[:-1] ~ '\\z' -%}
    {%- endif -%}
    {{- return("'" ~ (ns.text | replace('\\', '\\\\') | replace("'", "\\'")) ~ "'") -}}
{%- endmacro %}


{% macro spark__regexp_matches(expr, pattern) -%}
    ({{ expr }} rlike {{ idstitch._spark_regex(pattern) }})
{%- endmacro %}


{% macro spark__regexp_remove(expr, pattern) -%}
    regexp_replace({{ expr }}, {{ idstitch._spark_regex(pattern) }}, '')
{%- endmacro %}


{# ---- whitespace ---------------------------------------------------------- #}
{% macro spark__trim_whitespace(expr) -%}
    {#- Spark string literals read backslash escapes, so these are the four characters. -#}
    trim(both ' \t\r\n' from {{ expr }})
{%- endmacro %}


{# ---- hashing ------------------------------------------------------------- #}
{% macro spark__node_hash(expr) -%}
    xxhash64({{ expr }})
{%- endmacro %}


{# ---- newest non-null value ------------------------------------------------ #}
{% macro spark__last_non_null(expr, order_by) -%}
    {#- max_by over a struct of the ordering keys. Spark orders a null struct field
        below every value, DuckDB (arg_max over a row) and PostgreSQL (order by ... desc)
        above: each key is preceded by `key is null` so that a null ranks highest here too. -#}
    {%- set keys = [] -%}
    {%- for key in order_by -%}
        {%- do keys.append('(' ~ key ~ ') is null') -%}
        {%- do keys.append(key) -%}
    {%- endfor -%}
    max_by({{ expr }}, struct({{ keys | join(', ') }})) filter (where {{ expr }} is not null)
{%- endmacro %}


{# ---- seeds ----------------------------------------------------------------- #}
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
