{#- Fails with every row that is in one relation and not in the other, duplicates
    counted (EXCEPT both ways over the distinct rows with their number of copies).
    Attached to an expected seed (`model`); `actual` is the relation checked;
    `columns` the columns compared, by default every column of the expected seed.
    Written here so the project needs no package from the internet (dbt_utils). -#}
{% test equal_rows(model, actual, columns=none) %}

{%- if columns is none and execute -%}
    {%- set columns = adapter.get_columns_in_relation(model) | map(attribute='name') | list -%}
{%- endif -%}
{%- set quoted = [] -%}
{%- for column in columns or [] -%}
    {%- do quoted.append(adapter.quote(column)) -%}
{%- endfor -%}
{%- set column_list = quoted | join(', ') if quoted else '1' -%}

with

expected_rows as (

    select {{ column_list }}, count(*) as copies
    from {{ model }}
    group by {{ column_list }}

),

actual_rows as (

    select {{ column_list }}, count(*) as copies
    from {{ actual }}
    group by {{ column_list }}

),

missing as (

    select * from expected_rows
    except
    select * from actual_rows

),

unexpected as (

    select * from actual_rows
    except
    select * from expected_rows

)

select 'missing' as diff, * from missing
union all
select 'unexpected' as diff, * from unexpected

{% endtest %}
