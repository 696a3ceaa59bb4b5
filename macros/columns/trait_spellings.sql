{#- Which trait each raw column of identifies is: the column map (var idstitch_column_map),
    then RudderStack's `context_traits_<trait>` spelling, then the column's own name. -#}

{% macro context_traits_prefix() -%}
    {#- The prefix under which RudderStack writes an identify call's traits a second time. -#}
    {{- return('context_traits_') -}}
{%- endmacro %}


{% macro reserved_column_names() -%}
    {#- Names no trait can have: the raw event columns and the columns idstitch writes
        beside the traits. -#}
    {{- return(idstitch.event_columns()
        + ['event_id', 'event_at', 'event_key', 'person_id', 'has_unreadable_timestamp', 'source_name']) -}}
{%- endmacro %}


{% macro column_map() -%}
    {#- var idstitch_column_map, checked, as {snake_case raw column: snake_case trait}. Fails,
        naming the entry, when a name is empty, when the raw column is an event column, when
        the trait is a name idstitch reads or writes itself (reserved_column_names), and when
        two columns are mapped to one trait. -#}
    {%- set entries = var('idstitch_column_map', {}) or {} -%}
    {%- set mapped = {} -%}
    {%- set by_trait = {} -%}
    {%- for raw, trait in entries.items() -%}
        {%- set column = idstitch.snake_case(raw | string) -%}
        {%- set target = idstitch.snake_case(trait | string) -%}
        {%- set entry = (raw | tojson) ~ ": " ~ (trait | tojson) -%}
        {%- set problem = none -%}
        {%- if column == '' or target == '' -%}
            {%- set problem = "a name is empty" -%}
        {%- elif column in idstitch.event_columns() -%}
            {%- set problem = "`" ~ column ~ "` is an event column, read as itself" -%}
        {%- elif target in idstitch.reserved_column_names() -%}
            {%- set problem = "`" ~ target ~ "` is a column idstitch reads or writes itself" -%}
        {%- elif target in by_trait and by_trait[target] != column -%}
            {%- set problem = "`" ~ by_trait[target] ~ "` is mapped to `" ~ target
                ~ "` too; map one column to a trait (the other can be a trait of its own)" -%}
        {%- elif column in mapped and mapped[column] != target -%}
            {%- set problem = "`" ~ column ~ "` is mapped to `" ~ mapped[column] ~ "` too" -%}
        {%- endif -%}
        {%- if problem is not none -%}
            {{- exceptions.raise_compiler_error(
                "idstitch: var idstitch_column_map cannot map " ~ entry ~ ": " ~ problem ~ "."
            ) -}}
        {%- endif -%}
        {%- do mapped.update({column: target}) -%}
        {%- do by_trait.update({target: column}) -%}
    {%- endfor -%}
    {{- return(mapped) -}}
{%- endmacro %}


{% macro trait_of_column(name, mapped) -%}
    {#- The trait a raw column (snake_case `name`) is read as, and how: ('map', trait) for a
        column of the column map, ('context', trait) for `context_traits_<trait>` (unless
        `<trait>` is empty or a reserved name: then the column keeps its name and is device
        metadata like any `context_*` column), else ('own', name). -#}
    {%- set prefix = idstitch.context_traits_prefix() -%}
    {%- if name in mapped -%}
        {{- return(('map', mapped[name])) -}}
    {%- endif -%}
    {%- if name.startswith(prefix) -%}
        {%- set trait = name[prefix | length:] -%}
        {%- if trait != '' and trait not in idstitch.reserved_column_names() -%}
            {{- return(('context', trait)) -}}
        {%- endif -%}
    {%- endif -%}
    {{- return(('own', name)) -}}
{%- endmacro %}


{% macro trait_spellings(columns) -%}
    {#- source_columns() of identifies regrouped by trait: {name: [raw spellings]}, the event
        columns as they are. A trait's spellings are read in this order, the first non-null
        value of a row winning: the mapped column, the trait's own column (snake_case, then
        camelCase), then `context_traits_<trait>`. -#}
    {%- if not execute -%}
        {{- return(columns) -}}
    {%- endif -%}
    {%- set mapped = idstitch.column_map() -%}
    {%- set rank = {'map': 0, 'own': 1, 'context': 2} -%}
    {%- set ranked = {} -%}
    {%- for name, spellings in columns.items() -%}
        {%- if name in idstitch.event_columns() -%}
            {%- set how, trait = 'own', name -%}
        {%- else -%}
            {%- set how, trait = idstitch.trait_of_column(name, mapped) -%}
        {%- endif -%}
        {%- if trait not in ranked -%}
            {%- do ranked.update({trait: []}) -%}
        {%- endif -%}
        {%- do ranked[trait].append((rank[how], spellings)) -%}
    {%- endfor -%}
    {%- set found = {} -%}
    {%- for trait, groups in ranked.items() -%}
        {%- set spellings = [] -%}
        {%- for group in groups | sort(attribute=0) -%}
            {%- do spellings.extend(group[1]) -%}
        {%- endfor -%}
        {%- do found.update({trait: spellings}) -%}
    {%- endfor -%}
    {{- return(found) -}}
{%- endmacro %}


{% macro warn_unmatched_column_map(columns) -%}
    {#- A warning in the build log (not a failure) for every column of var idstitch_column_map
        that the raw identifies table lacks: the map entry reads nothing. -#}
    {%- for column, trait in idstitch.column_map().items() if column not in columns -%}
        {%- do exceptions.warn(
            "idstitch: var idstitch_column_map maps `" ~ column ~ "` to `" ~ trait
            ~ "`, but the raw identifies table has no such column: it reads nothing."
        ) -%}
    {%- endfor -%}
{%- endmacro %}
