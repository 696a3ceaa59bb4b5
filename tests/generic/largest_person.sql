{#- Warns when a person has more identifiers than var idstitch_max_person_identifiers. -#}
{% test idstitch_largest_person(model, person_column='person_id') %}
{#- One row per person of `model` (one row per identifier: user_identifiers) with more
    rows than var idstitch_max_person_identifiers (null: the test is off and returns
    nothing). A person that large is most likely strangers glued together
    by a shared identifier (a kiosk, a test email, an `organization_id`). The build log
    names the largest such person and its size (a dbt test's own message gives only the
    number of rows). -#}
{%- set limit = var('idstitch_max_person_identifiers', none) -%}
{%- if limit is not none and execute and flags.WHICH in ['test', 'build'] -%}
    {#- the sizes in a subquery: Spark orders by no aggregate beside a window function -#}
    {%- set largest = run_query(
        'select ' ~ person_column ~ ', identifier_count, count(*) over () from (select '
        ~ person_column ~ ', count(*) as identifier_count from ' ~ model ~ ' group by '
        ~ person_column ~ ') as sizes where identifier_count > ' ~ (limit | int)
        ~ ' order by identifier_count desc, ' ~ person_column ~ ' limit 1') -%}
    {%- if largest.rows | length > 0 -%}
        {%- do exceptions.warn(
            "idstitch: the largest person, " ~ person_column ~ " " ~ largest.rows[0][0]
            ~ ", has " ~ largest.rows[0][1] ~ " identifiers in " ~ model ~ "; "
            ~ largest.rows[0][2] ~ " person(s) have more than var idstitch_max_person_identifiers ("
            ~ (limit | int) ~ "): most likely strangers joined by a shared identifier "
            ~ "(docs/contract.md, \"Junk values\", says how to block it)."
        ) -%}
    {%- endif -%}
{%- endif %}

select
    {{ person_column }},
    count(*) as identifier_count
from {{ model }}
{%- if limit is none %}
where 1 = 0
{%- endif %}
group by {{ person_column }}
{%- if limit is not none %}
having count(*) > {{ limit | int }}
{%- endif %}

{% endtest %}
