{#- Incremental builds (docs/contract.md, "Incremental builds"). A build is *scoped* when
    it can be: not --full-refresh, encryption off (an encrypted build keeps no plain-text
    state to continue from), an engine with deletes (not Spark), and every persisted
    model already built; on-run-start refuses such a build when the identifier rules
    changed since (assert_rules_unchanged). A scoped build reads the raw rows received since the last build
    (minus var idstitch_lookback_hours), and recomputes only the persons their events
    touch (int_idstitch__scope_nodes); every other build recomputes everything, in place.
    A column added to a raw table is null in the rows read before (that is how Segment
    adds one): the persisted models gain it, and its earlier rows stay null; a
    backfilled column needs --full-refresh.
    Persisted models are incremental with strategy append: their pre-hook
    (clear_for_rebuild) deletes what the build is about to write again. -#}

{% macro persisted_models() -%}
    {#- The models whose relation carries state from one build to the next. -#}
    {{- return([
        'int_idstitch__identifies_deduplicated', 'int_idstitch__events_deduplicated',
        'int_idstitch__identifier_values_normalised', 'int_idstitch__event_identifiers_extracted',
        'int_idstitch__identifier_hubs', 'int_idstitch__identifiers_resolved', 'idstitch__users',
        'idstitch__user_identifiers', 'idstitch__identifies', 'idstitch__events', 'idstitch__person_merges',
        'idstitch__identity_links']) -}}
{%- endmacro %}


{% macro persisted_materialization() -%}
    {#- `incremental` where a build can continue from the last one; `table` on Spark (no
        row deletes) and with encryption on (no plain-text state is kept): every build
        there is a full rebuild, with the same results. -#}
    {{- return('table' if target.type == 'spark' or idstitch.encryption_enabled() else 'incremental') -}}
{%- endmacro %}


{% macro model_relation(name) -%}
    {#- The relation of an idstitch model by name, or none when it is not built. Read
        without ref: the scoped build reads the state the last build left, before this
        build's model of that name writes it again. -#}
    {%- for node in graph.nodes.values()
            if node.resource_type == 'model' and node.package_name == 'idstitch' and node.name == name -%}
        {{- return(adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias)) -}}
    {%- endfor -%}
    {{- return(none) -}}
{%- endmacro %}


{% macro scoped_build() -%}
    {#- Whether this build is scoped (see the top of this file); never in a unit test, whose
        inputs are its fixtures. -#}
    {%- if not execute or flags.FULL_REFRESH or target.type == 'spark' or idstitch.encryption_enabled()
            or (model is defined and model.resource_type == 'unit_test') -%}
        {{- return(false) -}}
    {%- endif -%}
    {%- for name in idstitch.persisted_models() -%}
        {%- if idstitch.model_relation(name) is none -%}
            {{- return(false) -}}
        {%- endif -%}
    {%- endfor -%}
    {{- return(true) -}}
{%- endmacro %}


{% macro assert_rules_unchanged() -%}
    {#- Run by the package's `on-run-start` hook, once per invocation: a `dbt build` or
        `dbt run` that would be scoped fails before anything is built when the identifier
        rules changed since the state was written (rules_fingerprint), asking for
        --full-refresh. Returns no SQL. -#}
    {%- if execute and flags.WHICH in ['build', 'run'] and idstitch.scoped_build() -%}
        {%- set kept = run_query('select min(rules_fingerprint), max(rules_fingerprint) from '
            ~ idstitch.model_relation('int_idstitch__identifier_values_normalised')) -%}
        {%- set current = idstitch.rules_fingerprint() -%}
        {%- for value in kept.rows[0] if value is not none and value != current -%}
            {{- exceptions.raise_compiler_error(
                "idstitch: the identifier rules changed since the last build (the vars "
                ~ idstitch.rule_vars() | join(', ') ~ ", or the idstitch release): the identifiers "
                ~ "already read were typed and linked by the old rules. Run `dbt build --full-refresh` "
                ~ "once; later builds continue incrementally.") -}}
        {%- endfor -%}
    {%- endif -%}
    {{- return('') -}}
{%- endmacro %}


{% macro rule_vars() -%}
    {#- The vars that decide what an identifier is and which person it names, and which
        raw tables are read (a table turned on or off changes the events of persons
        already resolved). -#}
    {{- return(['idstitch_identifier_precedence', 'idstitch_blocked_values', 'idstitch_extra_blocked_values',
        'idstitch_blocked_patterns', 'idstitch_default_phone_country',
        'idstitch_non_identifier_prefixes', 'idstitch_passthrough_traits',
        'idstitch_identifier_columns', 'idstitch_excluded_identifier_columns', 'idstitch_column_map',
        'idstitch_using_tracks', 'idstitch_using_pages', 'idstitch_using_screens', 'idstitch_using_aliases',
        'idstitch_sources', 'idstitch_hub_max_persons']) -}}
{%- endmacro %}


{% macro rules_fingerprint() -%}
    {#- md5 of the rule vars' values and of the state version: stored with the identifier
        dictionary, so a scoped build refuses to continue from state made by other rules.
        The state version is raised by any idstitch release whose identifier rules or
        state tables differ from the one before (CHANGELOG says so). -#}
    {%- set values = {'state_version': 3} -%}
    {%- for name in idstitch.rule_vars() -%}
        {%- do values.update({name: var(name, none)}) -%}
    {%- endfor -%}
    {{- return(local_md5(values | tojson)) -}}
{%- endmacro %}


{% macro clear_for_rebuild(condition_sql=none) -%}
    {#- Pre-hook of a persisted model: the statement deleting the rows the build writes
        again. A scoped build deletes the rows matching `condition_sql` (none: nothing);
        any other build deletes every row, then appends all of them. Nothing when the
        relation does not exist yet or is replaced anyway (--full-refresh; a table on
        Spark and with encryption on). -#}
    {%- if not execute or flags.FULL_REFRESH or config.get('materialized') != 'incremental'
            or load_relation(this) is none -%}
        {{- return('') -}}
    {%- endif -%}
    {%- if not idstitch.scoped_build() -%}
        {{- return('delete from ' ~ this) -}}
    {%- endif -%}
    {{- return('' if condition_sql is none else 'delete from ' ~ this ~ ' where ' ~ condition_sql) -}}
{%- endmacro %}


{% macro received_since(relation_with_state, state_filter=none) -%}
    {#- Boolean SQL on a staged table's rows: in a scoped build, received at most
        idstitch_lookback_hours before the newest received_at of `relation_with_state`
        (its rows matching `state_filter`, SQL), or without received_at (or all rows
        when it has none); true otherwise. -#}
    {%- if not idstitch.scoped_build() -%}
        {{- return('1 = 1') -}}
    {%- endif -%}
    {%- set newest = '(select max(received_at) from ' ~ relation_with_state
        ~ (' where ' ~ state_filter if state_filter else '') ~ ')' -%}
    {{- return('(received_at is null or ' ~ newest ~ ' is null or received_at >= '
        ~ dbt.dateadd('hour', -1 * (var('idstitch_lookback_hours') | int), newest) ~ ')') -}}
{%- endmacro %}


{% macro loaded_at() -%}
    {#- The timestamp a build stamps on the rows it writes to the event layer. -#}
    {{- return('cast(' ~ dbt.string_literal(run_started_at.strftime('%Y-%m-%d %H:%M:%S.%f')) ~ ' as '
        ~ dbt.type_timestamp() ~ ')') -}}
{%- endmacro %}


{% macro newest_loaded_at(relation, state_filter=none) -%}
    {#- SQL: the newest loaded_at of `relation` (its rows matching `state_filter`), or a
        time before any build when it has none. -#}
    {{- return('coalesce((select max(loaded_at) from ' ~ relation
        ~ (' where ' ~ state_filter if state_filter else '') ~ '), cast('
        ~ dbt.string_literal('1900-01-01 00:00:00') ~ ' as ' ~ dbt.type_timestamp() ~ '))') -}}
{%- endmacro %}


{% macro events_written_since_condition() -%}
    {#- SQL condition on int_idstitch__event_identifiers_extracted (`this`): the rows of the
        events int_idstitch__events_deduplicated wrote since this model last ran (their
        earlier copies, about to be extracted again). -#}
    {{- return('event_key in (select event_key from ' ~ ref('int_idstitch__events_deduplicated')
        ~ ' where loaded_at > ' ~ idstitch.newest_loaded_at(this) ~ ')') -}}
{%- endmacro %}


{% macro in_scope(event_key_expr=none, node_id_expr=none) -%}
    {#- Boolean SQL: in a scoped build, the event (`event_key_expr`) or the identifier
        (`node_id_expr`) is one this build writes again (int_idstitch__scope_events,
        int_idstitch__scope_nodes); true in every other build. The model calling it
        declares `-- depends_on:` the scope model it reads. -#}
    {%- if not idstitch.scoped_build() -%}
        {{- return('1 = 1') -}}
    {%- elif event_key_expr is not none -%}
        {{- return(event_key_expr ~ ' in (select event_key from ' ~ ref('int_idstitch__scope_events') ~ ')') -}}
    {%- endif -%}
    {{- return(node_id_expr ~ ' in (select node_id from ' ~ ref('int_idstitch__scope_nodes') ~ ')') -}}
{%- endmacro %}


{% macro scope_identifiers_condition(node_id_expr) -%}
    {#- Boolean SQL: in a scoped build, the identifier (`node_id_expr`) is carried by one of
        the scope's events (int_idstitch__scope_events): the scope's identifiers and the
        hubs those events carry; true in every other build. The model calling it declares
        `-- depends_on:` int_idstitch__scope_events. -#}
    {%- if not idstitch.scoped_build() -%}
        {{- return('1 = 1') -}}
    {%- endif -%}
    {{- return(node_id_expr ~ ' in (select scope_identifiers.node_id from '
        ~ ref('int_idstitch__event_identifiers_accepted') ~ ' as scope_identifiers where '
        ~ idstitch.in_scope(event_key_expr='scope_identifiers.event_key') ~ ')') -}}
{%- endmacro %}


{% macro previous_persons_condition() -%}
    {#- Pre-hook condition of a mart keyed by person: the rows of the persons the scope
        held before this build (int_idstitch__scope_nodes.previous_person_id). -#}
    {{- return('person_id in (select previous_person_id from ' ~ ref('int_idstitch__scope_nodes') ~ ')') -}}
{%- endmacro %}


{% macro scope_event_rows_condition() -%}
    {#- Pre-hook condition of the events mart: its rows of the scope's events
        (int_idstitch__scope_events), found by person where they have one. An event
        carrying an identifier of the scope belonged to that identifier's previous person
        (an event's identifiers are one person's), and a new copy of a kept event
        superseded the old copy's identifiers (int_idstitch__nodes_superseded), so a
        row of the scope's events with a person has one of the scope's previous persons,
        and every row of those persons is the scope's. One column matched instead of two
        on every row: only rows without a person are matched by (table, id). -#}
    {{- return('(' ~ idstitch.previous_persons_condition() ~ ' or (person_id is null and '
        ~ idstitch.scope_events_condition('event_id', table_column='event_table', source_column='source_name') ~ '))') -}}
{%- endmacro %}


{% macro scope_events_condition(event_id_column, event_type=none, table_column=none, source_column=none) -%}
    {#- Pre-hook condition of a mart keyed by event: the rows of the scope's events
        (int_idstitch__scope_events), of one `event_type`, or keyed by (`table_column`,
        `event_id_column`) with every type; with `source_column`, of the same source too
        (one message id in two sources is two events). -#}
    {%- set scope_events = ref('int_idstitch__scope_events') -%}
    {%- set source_key = '' if source_column is none else source_column ~ ', ' -%}
    {%- set source_value = '' if source_column is none else 'source_name, ' -%}
    {%- if table_column is not none -%}
        {{- return('(' ~ source_key ~ table_column ~ ', ' ~ event_id_column ~ ') in (select ' ~ source_value
            ~ idstitch.event_table_name('event_type') ~ ', event_id from ' ~ scope_events ~ ')') -}}
    {%- endif -%}
    {{- return('(' ~ source_key ~ event_id_column ~ ') in (select ' ~ source_value ~ 'event_id from ' ~ scope_events
        ~ " where event_type = '" ~ event_type ~ "')") -}}
{%- endmacro %}
