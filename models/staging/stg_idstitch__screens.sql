{#- Every screens call (Segment's mobile page view) of every source (macro event_sources)
    with its source_name: the event columns cast and renamed, nothing filtered; no rows
    from a source that skips the table (absent, or var idstitch_using_screens false).
    Macro stage_event_table. -#}
{{ idstitch.stage_event_table('screens', [('name', 'screen_name')]) }}
