{#- Fails with the duplicated key combinations (dbt_utils' unique_combination_of_columns,
    written here so the package has no dependencies). -#}
{% test idstitch_unique_combination(model, columns, stamped=false, event_keyed=false) %}
{#- In a scoped `dbt build` (macros/package/incremental_builds.sql) the test checks only
    the combinations of the rows this build wrote, against every row: a scoped build
    changes no row without writing it again (rows are deleted or appended), and the rows
    it did not write were checked by the build that wrote them. Which rows it wrote:
    stamped, the rows whose loaded_at is this build's start (the event layer);
    event_keyed, the columns are (source_name, event_table, event_id) and the rows written are the
    scope's events (int_idstitch__scope_events), or all of them when the build rewrote
    every event. A full build writes every row, and `dbt test` alone checks the whole
    table. -#}
{%- set keys = columns | join(', ') -%}
{%- set scoped = (stamped or event_keyed) and flags.WHICH == 'build' and idstitch.scoped_build() %}

select {{ keys }}, count(*) as occurrences
from {{ model }}
{%- if scoped and stamped %}
where
    ({{ keys }}) in (
        select {{ keys }} from {{ model }}
        where loaded_at = {{ idstitch.loaded_at() }}
    )
{%- elif scoped %}
where
    not exists (
        select 1 from {{ idstitch.model_relation('int_idstitch__events_deduplicated') }}
        where loaded_at <> {{ idstitch.loaded_at() }}
    )
    or ({{ keys }}) in (
        select source_name, {{ idstitch.event_table_name('event_type') }}, event_id
        from {{ idstitch.model_relation('int_idstitch__scope_events') }}
    )
{%- endif %}
group by {{ keys }}
having count(*) > 1

{% endtest %}
