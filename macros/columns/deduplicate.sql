{% macro deduplicate_events(relation, columns) -%}
    {{ return(adapter.dispatch('deduplicate_events', 'idstitch')(relation, columns)) }}
{%- endmacro %}

{% macro default__deduplicate_events(relation, columns) -%}
    {#- One row per message id: the first received (then earliest timestamp, then the
        smallest user_id and anonymous_id, so the choice is the same on every engine).
        Rows without a message id are left out here and counted in idstitch_data_quality. -#}
    select {{ columns | join(', ') }}
    from (
        select
            {{ columns | join(', ') }},
            row_number() over (
                partition by event_id
                order by
                    received_at asc nulls last,
                    event_at asc nulls last,
                    {{ idstitch.binary_order('user_id') }} asc nulls last,
                    {{ idstitch.binary_order('anonymous_id') }} asc nulls last
            ) as duplicate_rank
        from {{ relation }}
        where event_id is not null and {{ idstitch.trim_whitespace('event_id') }} <> ''
    ) as ranked
    where duplicate_rank = 1
{%- endmacro %}


{% macro staged_identifies_columns() -%}
    {#- Column names of stg_idstitch__identifies, in order. Trait columns whose snake_case
        name collides with an event column are not carried (they would shadow it). -#}
    {%- set event_columns = ['event_id', 'anonymous_id', 'user_id', 'event_at', 'received_at'] -%}
    {%- set found = [] -%}
    {%- for name in event_columns -%}
        {%- do found.append(name) -%}
    {%- endfor -%}
    {%- for name in idstitch.identifies_columns().keys() | sort -%}
        {%- if name not in idstitch.event_columns() and name not in event_columns -%}
            {%- do found.append(name) -%}
        {%- endif -%}
    {%- endfor -%}
    {{- return(found) -}}
{%- endmacro %}
