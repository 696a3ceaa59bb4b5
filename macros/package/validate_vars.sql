{#- The package's vars are checked before anything is built: a wrong type fails the
    invocation naming the var, its value and what it expects, instead of silently becoming
    something else (`idstitch_max_rounds: '1; drop'` read as 0). -#}

{% macro _var_kinds() -%}
    {#- Every var of dbt_project.yml's `vars:` block and the kind of value it takes. -#}
    {{- return({
        'idstitch_source_database': 'string',
        'idstitch_source_schema': 'string',
        'idstitch_identifies_table': 'string',
        'idstitch_tracks_table': 'string',
        'idstitch_pages_table': 'string',
        'idstitch_screens_table': 'string',
        'idstitch_aliases_table': 'string',
        'idstitch_using_tracks': 'boolean',
        'idstitch_using_pages': 'boolean',
        'idstitch_using_screens': 'boolean',
        'idstitch_using_aliases': 'boolean',
        'idstitch_sources': 'list of sources',
        'idstitch_demo_seeds': 'boolean',
        'idstitch_identifier_precedence': 'list of strings',
        'idstitch_blocked_values': 'list of strings',
        'idstitch_extra_blocked_values': 'list of strings, or mapping of identifier types to lists of strings',
        'idstitch_blocked_patterns': 'list of strings, or mapping of identifier types to lists of strings',
        'idstitch_default_phone_country': 'string',
        'idstitch_non_identifier_prefixes': 'list of strings',
        'idstitch_passthrough_traits': 'list of strings',
        'idstitch_max_person_identifiers': 'positive integer',
        'idstitch_identifier_columns': 'mapping of strings to strings',
        'idstitch_excluded_identifier_columns': 'list of strings',
        'idstitch_column_map': 'mapping of strings to strings',
        'idstitch_lookback_hours': 'positive integer',
        'idstitch_hub_max_persons': 'positive integer',
        'idstitch_max_rounds': 'positive integer',
        'idstitch_components_portable': 'boolean',
        'idstitch_encrypt': 'boolean (or the text true/false/1/0/yes/no)',
        'idstitch_hashed_identifier_types': 'list of strings',
        'idstitch_keystore_database': 'string',
        'idstitch_keystore_schema': 'string',
    }) -}}
{%- endmacro %}


{% macro _var_fits(value, kind) -%}
    {#- Whether a var's value is of its kind (see _var_kinds). -#}
    {%- set is_boolean = value is sameas true or value is sameas false -%}
    {%- if kind == 'string' -%}
        {{- return(value is string and value | trim != '') -}}
    {%- elif kind == 'boolean' -%}
        {{- return(is_boolean) -}}
    {%- elif kind.startswith('boolean') -%}
        {{- return(is_boolean or (value is string and value | trim | lower in ['true', 'false', '1', '0', 'yes', 'no'])) -}}
    {%- elif kind == 'positive integer' -%}
        {%- set digits = value is string and modules.re.fullmatch('[0-9]+', value | trim) is not none -%}
        {{- return((value is integer and not is_boolean and value > 0) or (digits and value | int > 0)) -}}
    {%- elif kind == 'list of strings' -%}
        {%- if value is string or value is mapping or value is not iterable -%}
            {{- return(false) -}}
        {%- endif -%}
        {%- for item in value if item is not string -%}
            {{- return(false) -}}
        {%- endfor -%}
        {{- return(true) -}}
    {%- elif kind == 'list of strings, or mapping of identifier types to lists of strings' -%}
        {%- for item in (value.values() | list if value is mapping else [value])
                if not idstitch._var_fits(item, 'list of strings') -%}
            {{- return(false) -}}
        {%- endfor -%}
        {{- return(true) -}}
    {%- elif kind == 'list of sources' -%}
        {#- event_sources() fails naming the var and the entry that is wrong -#}
        {%- do idstitch.event_sources() -%}
        {{- return(true) -}}
    {%- elif kind == 'mapping of strings to strings' -%}
        {%- if value is not mapping -%}
            {{- return(false) -}}
        {%- endif -%}
        {%- for key, item in value.items() if key is not string or item is not string -%}
            {{- return(false) -}}
        {%- endfor -%}
        {{- return(true) -}}
    {%- endif -%}
    {{- exceptions.raise_compiler_error("idstitch: unknown kind of var `" ~ kind ~ "`") -}}
{%- endmacro %}


{% macro validate_vars() -%}
    {#- Run by the package's `on-run-start` hook. A var that is not set is not checked (its
        default is the package's own). Fails on the first var of a wrong type. -#}
    {%- for name in idstitch._var_kinds() -%}
        {%- do idstitch.validate_var(name) -%}
    {%- endfor -%}
    {{- return('') -}}
{%- endmacro %}


{% macro validate_var(name) -%}
    {#- Fails, naming the var, its value and what it expects, when var `name` (one of
        _var_kinds) is set to a value not of its kind. Also called where a var is used
        while dbt parses, before the on-run-start hook (raw_relation). Returns no SQL. -#}
    {%- set kind = idstitch._var_kinds()[name] -%}
    {%- set value = var(name, none) -%}
    {%- if value is not none and not idstitch._var_fits(value, kind) -%}
        {{- exceptions.raise_compiler_error(
            "idstitch: var " ~ name ~ " is " ~ (value | tojson) ~ ", which is not a "
            ~ kind ~ ". Set it in your dbt_project.yml's vars or with --vars "
            ~ "(see the var table in idstitch's dbt_project.yml)."
        ) -}}
    {%- endif -%}
    {{- return('') -}}
{%- endmacro %}
