{#- Personal-data protection in the marts (var idstitch_encrypt).

    The switch lives here, not in the models: every model calls these macros the
    same way, and they render the plain SQL when encryption is off. With encryption
    on, personal columns of the published tables are AES-256-GCM ciphertext under a
    per-person data key, and personal identifier values in user_identifiers are a
    keyed hash (HMAC-SHA256). The cryptography runs in the Python helper
    (idstitch.duckdb_plugin), registered as SQL functions on every dbt DuckDB
    connection. Engines without the functions fail at compile time with a message
    instead of publishing plain text. -#}

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


{% macro redact(expr) -%}
    {#- A text value that is published only without encryption (e.g. an example of a
        rejected value, which may still be personal): the value, or NULL. -#}
    {%- if idstitch.encryption_enabled() -%}
        {{ return('cast(null as ' ~ dbt.type_string() ~ ')') }}
    {%- else -%}
        {{ return(expr) }}
    {%- endif -%}
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
    {#- HMAC-SHA256 of 'type:value' under the index key, as `h1:<hex>`; a NULL text
        when encryption is off (nothing is hashed, nothing is suppressed then). -#}
    {%- if idstitch.encryption_enabled() -%}
        {{ return(adapter.dispatch('identifier_hash', 'idstitch')(type_expr, value_expr, index_key_expr)) }}
    {%- else -%}
        {{ return('cast(null as ' ~ dbt.type_string() ~ ')') }}
    {%- endif -%}
{%- endmacro %}

{% macro default__identifier_hash(type_expr, value_expr, index_key_expr) -%}
    {{ idstitch.default__protect(value_expr, 'identifier_value', none, none) }}
{%- endmacro %}

{% macro duckdb__identifier_hash(type_expr, value_expr, index_key_expr) -%}
    idstitch_hmac({{ index_key_expr }}, {{ type_expr }}, {{ value_expr }})
{%- endmacro %}
