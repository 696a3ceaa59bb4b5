{#- Fails with the duplicated key combinations (dbt_utils' unique_combination_of_columns,
    written here so the package has no dependencies). -#}
{% test idstitch_unique_combination(model, columns, stamped=false) %}
{#- stamped: the model's rows carry loaded_at, the start of the build that wrote them
    (macros/package/incremental_builds.sql). In a scoped `dbt build` only the
    combinations of the rows this build wrote are checked, against every row: a scoped
    build changes no row without writing it again (rows are deleted or appended), and the
    rows it did not write were checked by the build that wrote them. A full build writes
    every row, and `dbt test` alone checks the whole table. -#}
{%- set keys = columns | join(', ') -%}
{%- set scoped = stamped and flags.WHICH == 'build' and idstitch.scoped_build() %}

select {{ keys }}, count(*) as occurrences
from {{ model }}
{%- if scoped %}
where
    ({{ keys }}) in (
        select {{ keys }} from {{ model }}
        where loaded_at = {{ idstitch.loaded_at() }}
    )
{%- endif %}
group by {{ keys }}
having count(*) > 1

{% endtest %}
