{#- A number of seconds or milliseconds since 1970-01-01 00:00 UTC as the UTC `timestamp`.

    A value >= 1e11 is milliseconds (1e11 seconds is the year 5138; 1e11 milliseconds is
    1973-03-03), anything smaller seconds; fractions are kept to the microsecond, halves
    rounded up (floor(x + 0.5): `round` breaks ties differently per engine). A value
    outside the years 0001 to 9999 (and NaN) is null, so no value fails the build. -#}

{% macro epoch_timestamp(expr) -%}
    {%- set double = adapter.dispatch('epoch_double_type', 'idstitch')() -%}
    {%- set seconds -%}
        (case
            when cast({{ expr }} as {{ double }}) >= 100000000000
                then cast({{ expr }} as {{ double }}) / 1000
            else cast({{ expr }} as {{ double }})
        end)
    {%- endset -%}
    case
        when {{ seconds }} between -62135596800 and 253402300799
            then {{ adapter.dispatch('epoch_micros_timestamp', 'idstitch')(
                'cast(floor(' ~ seconds ~ ' * 1000000 + 0.5) as ' ~ dbt.type_bigint() ~ ')') }}
    end
{%- endmacro %}

{% macro default__epoch_micros_timestamp(micros) -%}
    (timestamp '1970-01-01 00:00:00' + {{ micros }} * interval '1 microsecond')
{%- endmacro %}

{% macro duckdb__epoch_micros_timestamp(micros) -%}
    make_timestamp({{ micros }})
{%- endmacro %}

{% macro spark__epoch_micros_timestamp(micros) -%}
    timestamp_micros({{ micros }})
{%- endmacro %}

{#- A 64-bit float type (dbt's type_float is 32 bits on some engines). -#}

{% macro default__epoch_double_type() -%}
    {{- return('double precision') -}}
{%- endmacro %}

{% macro spark__epoch_double_type() -%}
    {{- return('double') -}}
{%- endmacro %}
