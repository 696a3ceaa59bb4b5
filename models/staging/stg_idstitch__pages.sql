{#- Every pages call of every source (macro event_sources) with its source_name: the event
    columns cast and renamed, nothing filtered; no rows from a source that skips the table
    (absent, or var idstitch_using_pages false). Macro stage_event_table. -#}
{%- if idstitch.demo_seeds_enabled() %}
-- depends_on: {{ ref('demo_pages') }}
{%- endif %}
{{ idstitch.stage_event_table('pages', [
    ('name', 'page_name'), ('path', 'path'), ('url', 'url'), ('title', 'title'), ('referrer', 'referrer')]) }}
