{#- Personal-data protection in the marts (var idstitch_encrypt).

    With encryption on, personal columns of the published tables are AES-256-GCM
    ciphertext under a per-person data key, and personal identifier values in
    user_identifiers are a keyed hash (HMAC-SHA256). The cryptography runs in the
    Python helper (idstitch.duckdb_plugin), registered as SQL functions on every
    dbt DuckDB connection; keys live in the key store, which dbt reads as the source
    `idstitch_keystore` and never rebuilds. Engines without the functions fail at
    compile time with a message instead of publishing plain text. -#}

{% macro encryption_enabled() -%}
    {#- var idstitch_encrypt, else env IDSTITCH_ENCRYPT (one switch for the models and
        the profile's plugin, which creates the key store only when it is set). -#}
    {%- set value = var('idstitch_encrypt', env_var('IDSTITCH_ENCRYPT', 'false')) -%}
    {{- return((value | string | lower) in ['true', '1', 'yes']) -}}
{%- endmacro %}


{% macro protect(expr, column_name, person_id_expr='person_id', key_expr='person_keys.wrapped_key') -%}
    {#- The column as published: itself, or its ciphertext bound to person and column. -#}
    {%- if idstitch.encryption_enabled() -%}
        {{ return(adapter.dispatch('protect', 'idstitch')(expr, column_name, person_id_expr, key_expr)) }}
    {%- else -%}
        {{ return(expr) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__protect(expr, column_name, person_id_expr, key_expr) -%}
    {{ exceptions.raise_compiler_error(
        "idstitch: var idstitch_encrypt is true, but encryption is implemented for DuckDB only "
        ~ "(the idstitch.duckdb_plugin SQL functions); this target is " ~ target.type
        ~ ". Build without encryption here, or encrypt on DuckDB."
    ) }}
{%- endmacro %}

{% macro duckdb__protect(expr, column_name, person_id_expr, key_expr) -%}
    case
        when {{ person_id_expr }} is not null
            then idstitch_encrypt(
                {{ key_expr }}, {{ person_id_expr }}, '{{ column_name }}', cast({{ expr }} as {{ dbt.type_string() }})
            )
    end
{%- endmacro %}


{% macro identifier_lookup_value(type_expr, value_expr, index_key_expr) -%}
    {#- user_identifiers.identifier_value: a keyed hash for the personal types
        (var idstitch_hashed_identifier_types) when encryption is on. -#}
    {%- if idstitch.encryption_enabled() -%}
        {{ return(adapter.dispatch('identifier_lookup_value', 'idstitch')(type_expr, value_expr, index_key_expr)) }}
    {%- else -%}
        {{ return(value_expr) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__identifier_lookup_value(type_expr, value_expr, index_key_expr) -%}
    {{ idstitch.default__protect(value_expr, 'identifier_value', none, none) }}
{%- endmacro %}

{% macro duckdb__identifier_lookup_value(type_expr, value_expr, index_key_expr) -%}
    case
        when {{ idstitch.in_list(type_expr, var('idstitch_hashed_identifier_types')) }}
            then {{ idstitch.duckdb__identifier_hash(type_expr, value_expr, index_key_expr) }}
        else {{ value_expr }}
    end
{%- endmacro %}


{% macro identifier_hash(type_expr, value_expr, index_key_expr) -%}
    {#- HMAC-SHA256 of 'type:value' under the index key, as `h1:<hex>`. -#}
    {{ return(adapter.dispatch('identifier_hash', 'idstitch')(type_expr, value_expr, index_key_expr)) }}
{%- endmacro %}

{% macro default__identifier_hash(type_expr, value_expr, index_key_expr) -%}
    {%- if idstitch.encryption_enabled() -%}
    {{ idstitch.default__protect(value_expr, 'identifier_value', none, none) }}
    {%- endif -%}
{%- endmacro %}

{% macro duckdb__identifier_hash(type_expr, value_expr, index_key_expr) -%}
    idstitch_hmac({{ index_key_expr }}, {{ type_expr }}, {{ value_expr }})
{%- endmacro %}


{% macro index_key_sql() -%}
    {#- The wrapped index key, as a scalar subquery on the key store. -#}
    (
        select wrapped_key from {{ source('idstitch_keystore', 'index_keys') }}
        where key_name = 'identifier_index'
    )
{%- endmacro %}


{% macro ensure_person_keys(persons_relation) -%}
    {#- Pre-hook: one data key for every current person that has none yet. Keys are
        only ever added here; idstitch forget destroys them, after_build prunes the
        keys of person ids that no longer exist. -#}
    {%- if idstitch.encryption_enabled() and execute -%}
        {%- set keys = source('idstitch_keystore', 'data_keys') -%}
        insert into {{ keys }} (person_id, wrapped_key, created_at)
        select persons.person_id, idstitch_new_wrapped_key(persons.person_id), {{ dbt.current_timestamp() }}
        from (select distinct person_id from {{ persons_relation }}) as persons
        where not exists (select 1 from {{ keys }} as existing where existing.person_id = persons.person_id)
    {%- endif -%}
{%- endmacro %}


{% macro after_build() -%}
    {#- on-run-end: with encryption on, no readable copy may outlive the build. Drop
        the intermediate tables that hold plain-text identifiers or traits, and the
        keys of person ids that no longer exist (a person whose canonical id
        changed), so forgetting a person leaves no older key behind. -#}
    {%- if idstitch.encryption_enabled() and execute and flags.WHICH in ['build', 'run'] -%}
        {#- views first (they read the tables), then the tables -#}
        {%- set plain = [
            'int_events_attributed', 'int_event_identifiers_kept', 'int_person_keys', 'int_events_deduplicated',
            'int_identifies_deduplicated', 'int_event_identifiers_extracted',
            'int_identifiers_collected', 'int_identifiers_resolved', 'int_events_suppressed',
            'int_identifier_values_normalised'
        ] -%}
        {%- for name in plain -%}
            {%- set relation = adapter.get_relation(database=target.database, schema=target.schema, identifier=name) -%}
            {%- if relation is not none -%}
                {%- do adapter.drop_relation(relation) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set published = adapter.get_relation(database=target.database, schema=target.schema, identifier='user_identifiers') -%}
        {#- prune only against a user_identifiers rebuilt in this run, together with
            the marts that were encrypted under the keys -#}
        {%- set rebuilt = [] -%}
        {%- for result in results if result.node.resource_type == 'model'
                and result.node.name in ['user_identifiers', 'users', 'identifies']
                and result.status == 'success' -%}
            {%- do rebuilt.append(result.node.name) -%}
        {%- endfor -%}
        {%- if published is not none and rebuilt | unique | list | length == 3 -%}
            {%- call statement('idstitch_prune_keys', fetch_result=False) -%}
                delete from {{ source('idstitch_keystore', 'data_keys') }}
                where person_id not in (select person_id from {{ published }})
            {%- endcall -%}
            {%- do adapter.commit() -%}
        {%- endif -%}
        {%- do log("idstitch: encryption on; dropped plain-text intermediate tables and pruned stale keys", info=True) -%}
    {%- endif -%}
{%- endmacro %}
