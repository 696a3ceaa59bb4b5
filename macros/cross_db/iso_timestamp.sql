{#- An ISO-8601 text as the UTC `timestamp` it means, or null when it is none.

    Accepted, after trimming: `YYYY-MM-DD`, optionally followed by `T` or a space and
    `hh:mm`, `hh:mm:ss` or `hh:mm:ss.ffffff` (up to microseconds), optionally followed (a space allowed) by `Z` or
    an offset `+hh`, `+hhmm`, `+hh:mm` (or `-`). A text with an offset or `Z` is converted
    to UTC (`2024-01-01T05:00:00+05:00` is 00:00 UTC); a text without one is read as UTC,
    never in the session's time zone. Anything else, and dates that do not exist
    (`2024-02-30`, year 0000), is null: the text is checked with a regular expression before any
    cast, so no value fails the build on any engine. The parts are cut out portably here;
    only building the local timestamp and subtracting the offset differ per engine. -#}

{% macro _iso_timestamp_patterns() -%}
    {{- return({
        'date': '([0-9]{3}[1-9]|[0-9]{2}[1-9]0|[0-9][1-9]00|[1-9]000)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])',
        'time': '[T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]{1,6})?)?',
        'offset': ' ?(Z|z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)',
    }) -}}
{%- endmacro %}

{% macro iso_timestamp(expr) -%}
    {%- set p = idstitch._iso_timestamp_patterns() -%}
    {%- set text = idstitch.trim_whitespace('cast(' ~ expr ~ ' as ' ~ dbt.type_string() ~ ')') -%}
    {%- set rest = 'substr(' ~ text ~ ', 11)' -%}
    {%- set time_part = idstitch.regexp_remove(rest, p['offset'] ~ '$') -%}
    {%- set offset = "replace(replace(" ~ idstitch.regexp_remove(rest, '^' ~ p['time']) ~ ", ' ', ''), ':', '')" -%}
    {%- set local = "replace(substr(" ~ text ~ ", 1, 10 + length(" ~ time_part ~ ")), 'T', ' ')" -%}
    {%- set offset_minutes -%}
        case
            when {{ offset }} in ('', 'Z', 'z') then 0
            else
                (case when substr({{ offset }}, 1, 1) = '-' then -1 else 1 end)
                * (
                    cast(substr({{ offset }}, 2, 2) as {{ dbt.type_int() }}) * 60
                    + case when length({{ offset }}) = 5 then cast(substr({{ offset }}, 4, 2) as {{ dbt.type_int() }}) else 0 end
                )
        end
    {%- endset -%}
    case
        when {{ idstitch.regexp_matches(text, '^' ~ p['date'] ~ '(' ~ p['time'] ~ '(' ~ p['offset'] ~ ')?)?$') }}
            then {{ adapter.dispatch('minus_minutes', 'idstitch')(
                adapter.dispatch('iso_local_timestamp', 'idstitch')(local), offset_minutes) }}
    end
{%- endmacro %}

{#- The local part (`YYYY-MM-DD[ hh:mm[:ss[.f]]]`, already checked by the pattern) as a
    `timestamp`, null when the day does not exist in its month. -#}

{% macro default__iso_local_timestamp(local) -%}
    {#- PostgreSQL has no try_cast and its cast fails on 2024-02-30: the timestamp is built
        from its numbers on the first of the month and kept only if adding the days stays
        in that month. -#}
    {%- set built -%}
        (make_timestamp(
            cast(substr({{ local }}, 1, 4) as integer),
            cast(substr({{ local }}, 6, 2) as integer),
            1,
            cast(coalesce(nullif(substr({{ local }}, 12, 2), ''), '0') as integer),
            cast(coalesce(nullif(substr({{ local }}, 15, 2), ''), '0') as integer),
            cast(coalesce(nullif(substr({{ local }}, 18), ''), '0') as double precision)
        ) + (cast(substr({{ local }}, 9, 2) as integer) - 1) * interval '1 day')
    {%- endset -%}
    case when extract(month from {{ built }}) = cast(substr({{ local }}, 6, 2) as integer) then {{ built }} end
{%- endmacro %}

{% macro duckdb__iso_local_timestamp(local) -%}
    try_cast({{ local }} as timestamp)
{%- endmacro %}

{% macro spark__iso_local_timestamp(local) -%}
    try_cast({{ local }} as timestamp)
{%- endmacro %}

{#- A `timestamp` minus a number of minutes. -#}

{% macro default__minus_minutes(ts, minutes) -%}
    ({{ ts }} - ({{ minutes }}) * interval '1 minute')
{%- endmacro %}

{% macro duckdb__minus_minutes(ts, minutes) -%}
    ({{ ts }} - to_minutes(cast({{ minutes }} as bigint)))
{%- endmacro %}

{% macro spark__minus_minutes(ts, minutes) -%}
    timestampadd(minute, -({{ minutes }}), {{ ts }})
{%- endmacro %}
