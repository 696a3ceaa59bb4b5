{#- The columns of the identifies table, named for what they are: the event columns
    every message table shares, and the traits (every other column). -#}

{% macro identifies_columns(event_source=none) -%}
    {#- The columns of the identifies table of `event_source` (an event_sources() item):
        {name: [raw spellings]}, the event columns under their snake_case names and every
        other column under the trait it is (trait_spellings: the column map,
        `context_traits_<trait>`, its snake_case name). Without `event_source`: the
        columns of every source's identifies table, merged (a name any source has). -#}
    {%- if event_source is not none -%}
        {{- return(idstitch.trait_spellings(idstitch.source_columns('identifies', ['id', 'timestamp'], event_source))) -}}
    {%- endif -%}
    {{- return(idstitch.trait_spellings(idstitch.identifies_raw_columns())) -}}
{%- endmacro %}


{% macro identifies_raw_columns() -%}
    {#- source_columns() of the identifies tables of every source merged: {snake_case name:
        [raw spellings any source has]}. One source: its own. -#}
    {%- set sources = idstitch.event_sources() -%}
    {%- if sources | length == 1 and sources[0]['entry'] is none -%}
        {{- return(idstitch.source_columns('identifies', required=['id', 'timestamp'])) -}}
    {%- endif -%}
    {%- set merged = {} -%}
    {%- for event_source in sources -%}
        {%- for name, spellings in idstitch.source_columns('identifies', ['id', 'timestamp'], event_source).items() -%}
            {%- if name not in merged -%}
                {%- do merged.update({name: []}) -%}
            {%- endif -%}
            {%- for spelling in spellings if spelling not in merged[name] -%}
                {%- do merged[name].append(spelling) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endfor -%}
    {{- return(merged) -}}
{%- endmacro %}


{% macro event_columns() -%}
    {#- The raw columns every event table shares; they are the ones idstitch reads. -#}
    {{- return(['id', 'anonymous_id', 'user_id', 'timestamp', 'received_at']) -}}
{%- endmacro %}


{% macro staged_event_columns() -%}
    {#- The event columns as staged (`id` -> event_id, `timestamp` -> event_at), and the
        name of the source the event came from. -#}
    {{- return(['source_name', 'event_id', 'anonymous_id', 'user_id', 'event_at', 'received_at']) -}}
{%- endmacro %}


{% macro identifies_trait_columns() -%}
    {#- The snake_case names of the trait columns of identifies (every column but the
        event columns), sorted. A name idstitch writes beside the traits (event_id,
        event_at, event_key, person_id, has_unreadable_timestamp) cannot be a trait's: the build fails,
        naming the raw column, rather than shadow one or drop it silently. -#}
    {%- set written = idstitch.reserved_column_names() -%}
    {%- set columns = idstitch.identifies_columns() -%}
    {%- set found = [] -%}
    {%- for name in columns.keys() | sort if name not in idstitch.event_columns() -%}
        {%- if name in written or name == '' -%}
            {{- exceptions.raise_compiler_error(
                "idstitch: the column " ~ (columns[name] | map('tojson') | join(' / '))
                ~ " of the raw identifies table cannot be used: its name as written by idstitch, `"
                ~ name ~ "`, is " ~ ("empty" if name == '' else "a column idstitch writes itself")
                ~ ". Rename it in the raw table (or in a view the package reads instead)."
            ) -}}
        {%- endif -%}
        {%- do found.append(name) -%}
    {%- endfor -%}
    {{- return(found) -}}
{%- endmacro %}


{% macro staged_identifies_columns() -%}
    {#- Column names of stg_idstitch__identifies, in order: the staged event columns,
        then the traits. -#}
    {{- return(idstitch.staged_event_columns() + idstitch.identifies_trait_columns()) -}}
{%- endmacro %}
