{#- Fails with the duplicated key combinations (dbt_utils' unique_combination_of_columns,
    written here so the package has no dependencies). -#}
{% test idstitch_unique_combination(model, columns) %}

select {{ columns | join(', ') }}, count(*) as occurrences
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
