{#- Every alias call (`alias(previousId, userId)`) of every source (macro event_sources)
    with its source_name: the event columns cast and renamed, previous_id among them,
    nothing filtered; no rows from a source that skips the table (absent, or var
    idstitch_using_aliases false). Which identifier previous_id is: macro
    alias_previous_id. Macro stage_event_table. -#}
{{ idstitch.stage_event_table('aliases', [('previous_id', 'previous_id')]) }}
