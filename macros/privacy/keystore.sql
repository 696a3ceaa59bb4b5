{#- The key store as the models see it: source `idstitch_keystore`, which dbt reads
    and never creates, replaces or drops (the Python helper owns its tables). With
    encryption off the models read no key store at all: `keystore_rows` renders an
    empty relation of the same columns, so the models that join it read the same
    either way. -#}

{% macro keystore_rows(table_name) -%}
    {#- A select of the key store table's rows, or of no rows when encryption is off. -#}
    {%- set columns = {
        'data_keys': [('person_id', 'string'), ('wrapped_key', 'string'), ('created_at', 'timestamp')],
        'suppressions': [
            ('identifier_hash', 'string'), ('identifier_type', 'string'),
            ('person_id', 'string'), ('forgotten_at', 'timestamp')
        ],
    } -%}
    {%- if table_name not in columns -%}
        {{ exceptions.raise_compiler_error(
            "idstitch.keystore_rows: unknown key store table '" ~ table_name
            ~ "' (expected one of " ~ (columns.keys() | list | sort | join(', ')) ~ ")"
        ) }}
    {%- endif -%}
    {%- if idstitch.encryption_enabled() -%}
    select * from {{ source('idstitch_keystore', table_name) }}
    {%- else -%}
    {%- set nulls = [] -%}
    {%- for name, kind in columns[table_name] -%}
        {%- set sql_type = dbt.type_string() if kind == 'string' else dbt.type_timestamp() -%}
        {%- do nulls.append('cast(null as ' ~ sql_type ~ ') as ' ~ name) -%}
    {%- endfor -%}
    select {{ nulls | join(', ') }}
    where 1 = 0
    {%- endif -%}
{%- endmacro %}


{% macro index_key_sql() -%}
    {#- The wrapped index key, as a scalar subquery on the key store. -#}
    (
        select wrapped_key from {{ source('idstitch_keystore', 'index_keys') }}
        where key_name = 'identifier_index'
    )
{%- endmacro %}


{% macro ensure_person_keys(persons_relation) -%}
    {#- Pre-hook: one data key for every current person that has none yet. A build
        only ever adds keys: it never deletes one, so builds of different schemas
        sharing the key store (dev and prod) cannot take each other's keys. Keys go
        only through `idstitch forget` and `idstitch keys prune`. created_at is UTC
        (DuckDB: encryption runs there only), as `keys prune` compares it with the
        start of a build. The key store is a database of its own (a file attached
        beside the warehouse) and a DuckDB transaction writes to one database only,
        so the new keys are committed here and the model's own statements run in a
        new transaction that dbt commits as usual. -#}
    {%- if idstitch.encryption_enabled() and execute -%}
        {%- set keys = source('idstitch_keystore', 'data_keys') -%}
        insert into {{ keys }} (person_id, wrapped_key, created_at)
        select persons.person_id, idstitch_new_wrapped_key(persons.person_id), timezone('UTC', now())
        from (select distinct person_id from {{ persons_relation }}) as persons
        where not exists (select 1 from {{ keys }} as existing where existing.person_id = persons.person_id);
        commit;
        begin transaction
    {%- endif -%}
{%- endmacro %}
