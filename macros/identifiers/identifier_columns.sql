{#- Which columns carry identifiers, and of which type. -#}

{% macro contact_identifier_columns() -%}
    {#- The trait columns that are always identifiers of their own type when present (users
        publishes their newest values). -#}
    {{- return(['external_id', 'email', 'phone']) -}}
{%- endmacro %}


{% macro identifier_columns() -%}
    {#- {trait column: identifier type} of every trait column of identifies that carries
        identifiers, in order: external_id, email, phone (those the table has), then the
        others sorted. The default (var idstitch_identifier_columns null): those three and
        every trait ending in `_id` without a prefix of var idstitch_non_identifier_prefixes,
        each of the type named like it. A mapping {column: type} in the var replaces the
        default: its columns the table has, plus the three contact columns. The columns of
        var idstitch_excluded_identifier_columns are then taken out. Names are snake_cased;
        a name that cannot be an identifier column fails the build, naming the var. -#}
    {%- if not execute -%}
        {{- return({}) -}}
    {%- endif -%}
    {%- set traits = idstitch.identifies_trait_columns() -%}
    {%- set contact = idstitch.contact_identifier_columns() -%}
    {%- set listed = idstitch._listed_identifier_columns() -%}
    {%- set excluded = idstitch._excluded_identifier_columns() -%}
    {%- set types = {} -%}
    {%- if listed is none -%}
        {%- set prefixes = var('idstitch_non_identifier_prefixes', ['context_', 'company_']) -%}
        {%- for name in traits if name.endswith('_id') and name not in contact -%}
            {%- set ns = namespace(skip=modules.re.match('^[a-z][a-z0-9_]*$', name) is none) -%}
            {%- for prefix in prefixes if name.startswith(prefix) -%}
                {%- set ns.skip = true -%}
            {%- endfor -%}
            {%- if not ns.skip -%}
                {%- do types.update({name: name}) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- else -%}
        {%- for name, type in listed.items() if name in traits and name not in contact -%}
            {%- do types.update({name: type}) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set found = {} -%}
    {%- for name in contact if name in traits -%}
        {%- do found.update({name: name}) -%}
    {%- endfor -%}
    {%- for name in types.keys() | sort if name not in excluded -%}
        {%- do found.update({name: types[name]}) -%}
    {%- endfor -%}
    {{- return(found) -}}
{%- endmacro %}


{% macro _listed_identifier_columns() -%}
    {#- var idstitch_identifier_columns checked, as {snake_case column: type}; none when the
        var is null (the default rule). -#}
    {%- set listed = var('idstitch_identifier_columns', none) -%}
    {%- if listed is none -%}
        {{- return(none) -}}
    {%- endif -%}
    {%- set found = {} -%}
    {%- for column, type in listed.items() -%}
        {%- set name = idstitch.snake_case(column | string) -%}
        {%- set problem = idstitch._identifier_column_problem(name) -%}
        {%- if problem is none and modules.re.match('^[a-z][a-z0-9_]*$', type | string) is none -%}
            {%- set problem = "a type is a lower-case word of letters, digits and `_`" -%}
        {%- elif problem is none and type in ['user_id', 'anonymous_id'] -%}
            {%- set problem = "`" ~ type ~ "` identifiers come from the event column only" -%}
        {%- elif problem is none and name in idstitch.contact_identifier_columns() and type != name -%}
            {%- set problem = "`" ~ name ~ "` is always of its own type (to read it as "
                ~ "another, map it to another name with var idstitch_column_map)" -%}
        {%- endif -%}
        {%- if problem is not none -%}
            {{- exceptions.raise_compiler_error(
                "idstitch: var idstitch_identifier_columns cannot list " ~ (column | tojson)
                ~ ": " ~ (type | tojson) ~ ": " ~ problem ~ "."
            ) -}}
        {%- endif -%}
        {%- do found.update({name: type}) -%}
    {%- endfor -%}
    {{- return(found) -}}
{%- endmacro %}


{% macro _excluded_identifier_columns() -%}
    {#- var idstitch_excluded_identifier_columns checked, snake_cased. external_id, email
        and phone cannot be excluded (users publishes them). -#}
    {%- set found = [] -%}
    {%- for column in var('idstitch_excluded_identifier_columns', []) -%}
        {%- set name = idstitch.snake_case(column | string) -%}
        {%- set problem = idstitch._identifier_column_problem(name) -%}
        {%- if problem is none and name in idstitch.contact_identifier_columns() -%}
            {%- set problem = "`" ~ name ~ "` is always an identifier (to stop reading it, map "
                ~ "it to another name with var idstitch_column_map)" -%}
        {%- endif -%}
        {%- if problem is not none -%}
            {{- exceptions.raise_compiler_error(
                "idstitch: var idstitch_excluded_identifier_columns cannot list "
                ~ (column | tojson) ~ ": " ~ problem ~ "."
            ) -}}
        {%- endif -%}
        {%- do found.append(name) -%}
    {%- endfor -%}
    {{- return(found) -}}
{%- endmacro %}


{% macro _identifier_column_problem(name) -%}
    {#- Why a snake_case name cannot be an identifier trait column, or none. -#}
    {%- if modules.re.match('^[a-z][a-z0-9_]*$', name) is none -%}
        {{- return("`" ~ name ~ "` is no column name starting with a letter") -}}
    {%- elif name in idstitch.reserved_column_names() -%}
        {{- return("`" ~ name ~ "` is a column idstitch reads or writes itself") -}}
    {%- endif -%}
    {{- return(none) -}}
{%- endmacro %}


{% macro warn_unmatched_identifier_columns(traits) -%}
    {#- A warning in the build log (not a failure) for every column of vars
        idstitch_identifier_columns and idstitch_excluded_identifier_columns that is no trait
        column of the raw identifies table. -#}
    {%- set listed = idstitch._listed_identifier_columns() or {} -%}
    {%- for name in listed.keys() | list + idstitch._excluded_identifier_columns() if name not in traits -%}
        {%- do exceptions.warn(
            "idstitch: `" ~ name ~ "` (var " ~ ("idstitch_identifier_columns" if name in listed
            else "idstitch_excluded_identifier_columns") ~ ") is no trait column of the raw "
            ~ "identifies table: nothing is read from it."
        ) -%}
    {%- endfor -%}
{%- endmacro %}


{% macro id_trait_columns() -%}
    {#- The identifier columns other than external_id, email and phone, sorted:
        identifier_columns() without the contact columns. -#}
    {%- set found = [] -%}
    {%- for name in idstitch.identifier_columns().keys() if name not in idstitch.contact_identifier_columns() -%}
        {%- do found.append(name) -%}
    {%- endfor -%}
    {{- return(found) -}}
{%- endmacro %}


{% macro identifier_trait_columns() -%}
    {#- Every trait column of identifies that carries identifiers, in order:
        external_id, email, phone (those the table has), then id_trait_columns(). -#}
    {{- return(idstitch.identifier_columns().keys() | list) -}}
{%- endmacro %}


{% macro identifier_column_type(name) -%}
    {#- The identifier type of a trait column's values: its type in var
        idstitch_identifier_columns, else its own name (so also for a column that carries no
        identifiers). Reads the var only, not the table: it is called once per trait. -#}
    {%- set listed = idstitch._listed_identifier_columns() if execute else none -%}
    {{- return((listed or {}).get(name, name)) -}}
{%- endmacro %}


{% macro identifier_type(source_column_expr, raw_value_expr) -%}
    {#- The type of a value from the column named by source_column_expr: a user_id is
        an `email` when email-shaped (is_email_shaped), else an `external_id`; a trait
        column's values are of its type in identifier_columns() (by default the column's
        name). -#}
    case
            when {{ source_column_expr }} = 'user_id'
                and {{ idstitch.is_email_shaped(raw_value_expr) }} then 'email'
            when {{ source_column_expr }} = 'user_id' then 'external_id'
            {%- for name in idstitch.identifier_trait_columns() if idstitch.identifier_column_type(name) != name %}
            when {{ source_column_expr }} = '{{ name }}' then '{{ idstitch.identifier_column_type(name) }}'
            {%- endfor %}
            else {{ source_column_expr }}
        end
{%- endmacro %}
