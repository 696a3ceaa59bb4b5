{#- What the build set aside and why, so nothing is dropped without a count:
    messages without id, messages whose timestamp cannot be read (listed only when there
    are some), duplicate message ids, events without any identifier,
    every rejected identifier value by type and reason, the identifiers quarantined as
    hubs (int_idstitch__identifier_hubs) by type and the events left with no other
    identifier, the events of forgotten
    persons (int_idstitch__events_suppressed; none without encryption), and the optional
    raw tables this build skipped (table_skipped, row_count 0, example_value the reason:
    macro skipped_table_notes; one row per source that skips it). -#}
{%- set read_tables = [] -%}
{%- set skipped_tables = [] -%}
{%- for table, event_type in idstitch.event_tables() -%}
{%- set notes = [] if table == 'identifies' else idstitch.skipped_table_notes(table) -%}
{%- if notes | length < idstitch.event_sources() | length -%}
{%- do read_tables.append(table) -%}
{%- endif -%}
{%- for reason in notes -%}
{%- do skipped_tables.append((table, reason)) -%}
{%- endfor -%}
{%- endfor %}

with
{% for table, event_type in idstitch.event_tables() %}
{{ table }} as (

    select * from {{ ref('stg_idstitch__' ~ table) }}

),
{% endfor %}
published_events as (

    {#- every kept event with its person (null without identifier); not the graph's
        own tables, which a scoped build fills for its scope only #}
    select * from {{ ref('idstitch__events') }}

),

event_identifiers as (

    select * from {{ ref('int_idstitch__event_identifiers_extracted') }}
    where rejection_reason is not null

),

kept_events as (

    select * from {{ ref('int_idstitch__events_deduplicated') }}

),

quarantined_identifiers as (

    {#- every (event, identifier) pair whose identifier is a hub #}
    select
        accepted.event_type,
        accepted.event_key,
        hubs.identifier_type,
        hubs.identifier_value
    from {{ ref('int_idstitch__event_identifiers_accepted') }} as accepted
    inner join {{ ref('int_idstitch__identifier_hubs') }} as hubs
        on accepted.node_id = hubs.node_id

),

hub_only_events as (

    {#- events carrying a hub and no person: their only identifiers are hubs #}
    select
        published_events.event_table as table_name,
        count(*) as hub_only_count
    from published_events
    inner join kept_events
        on
            published_events.source_name = kept_events.source_name
            and published_events.event_table = {{ idstitch.event_table_name('kept_events.event_type') }}
            and published_events.event_id = kept_events.event_id
    where
        published_events.person_id is null
        and exists (
            select 1 from quarantined_identifiers
            where
                quarantined_identifiers.event_type = kept_events.event_type
                and quarantined_identifiers.event_key = kept_events.event_key
        )
    group by published_events.event_table

),

kept_rows as (

    select
        {{ idstitch.event_table_name('event_type') }}
            as table_name,
        count(*) as kept_count
    from kept_events
    group by event_type

),

read_rows as (

    {%- for table in read_tables %}
    {%- if not loop.first %}
    union all
    {%- endif %}
    select
        '{{ table }}' as table_name,
        count(*) as row_count,
        count(case when {{ idstitch.is_blank('event_id') }} then 1 end)
            as missing_id_count,
        count(
            case
                when
                    not {{ idstitch.is_blank('event_id') }}
                    and has_unreadable_timestamp
                    then 1
            end
        ) as unreadable_timestamp_count
    from {{ table }}
    {%- endfor %}

),

raw_rows as (

    {#- kept = one per distinct message id: what deduplication keeps -#}
    select
        read_rows.table_name,
        read_rows.row_count,
        read_rows.missing_id_count,
        read_rows.unreadable_timestamp_count,
        coalesce(kept_rows.kept_count, 0) as kept_count
    from read_rows
    left join kept_rows
        on read_rows.table_name = kept_rows.table_name

),

suppressed_events as (

    select
        {{ idstitch.event_table_name('event_type') }}
            as table_name,
        count(*) as suppressed_count
    from {{ ref('int_idstitch__events_suppressed') }}
    group by event_type

),

anchored_events as (

    select
        event_table as table_name,
        count(person_id) as anchored_count
    from published_events
    group by event_table

),

table_checks as (

    select
        raw_rows.table_name,
        'rows_read' as check_name,
        cast(null as {{ dbt.type_string() }}) as identifier_type,
        raw_rows.row_count,
        cast(null as {{ dbt.type_string() }}) as example_value
    from raw_rows
    union all
    select
        raw_rows.table_name,
        'missing_message_id_dropped' as check_name,
        null as identifier_type,
        raw_rows.missing_id_count as row_count,
        null as example_value
    from raw_rows
    union all
    select
        raw_rows.table_name,
        'duplicate_message_id_dropped' as check_name,
        null as identifier_type,
        raw_rows.row_count - raw_rows.missing_id_count - raw_rows.unreadable_timestamp_count
        - raw_rows.kept_count as row_count,
        null as example_value
    from raw_rows
    union all
    select
        raw_rows.table_name,
        'event_without_identifier' as check_name,
        null as identifier_type,
        raw_rows.kept_count - coalesce(anchored_events.anchored_count, 0)
        - coalesce(suppressed_events.suppressed_count, 0)
        - coalesce(hub_only_events.hub_only_count, 0) as row_count,
        null as example_value
    from raw_rows
    left join anchored_events
        on raw_rows.table_name = anchored_events.table_name
    left join suppressed_events
        on raw_rows.table_name = suppressed_events.table_name
    left join hub_only_events
        on raw_rows.table_name = hub_only_events.table_name
    union all
    select
        hub_only_events.table_name,
        'event_with_only_hubs' as check_name,
        null as identifier_type,
        hub_only_events.hub_only_count as row_count,
        null as example_value
    from hub_only_events
    union all
    select
        raw_rows.table_name,
        'unparseable_timestamp_dropped' as check_name,
        null as identifier_type,
        raw_rows.unreadable_timestamp_count as row_count,
        null as example_value
    from raw_rows
    where raw_rows.unreadable_timestamp_count > 0

),

rejected as (

    select
        {{ idstitch.event_table_name('event_type') }}
            as table_name,
        'identifier_rejected_' || rejection_reason as check_name,
        identifier_type,
        count(*) as row_count,
        {#- junk values may still be personal (a mistyped phone): none with encryption on #}
        {{ idstitch.redact('min(rejected_value)') }} as example_value
    from event_identifiers
    group by event_type, rejection_reason, identifier_type

),

quarantined as (

    select
        {{ idstitch.event_table_name('event_type') }}
            as table_name,
        'identifier_quarantined_hub' as check_name,
        identifier_type,
        count(*) as row_count,
        {{ idstitch.redact('min(identifier_value)') }} as example_value
    from quarantined_identifiers
    group by event_type, identifier_type

),

suppressed as (

    select
        table_name,
        'event_of_forgotten_person_dropped' as check_name,
        cast(null as {{ dbt.type_string() }}) as identifier_type,
        suppressed_count as row_count,
        cast(null as {{ dbt.type_string() }}) as example_value
    from suppressed_events

),

skipped as (

    {%- for table, reason in skipped_tables %}
    {%- if not loop.first %}
    union all
    {%- endif %}
    select
        '{{ table }}' as table_name,
        'table_skipped' as check_name,
        cast(null as {{ dbt.type_string() }}) as identifier_type,
        0 as row_count,
        cast('{{ reason }}' as {{ dbt.type_string() }}) as example_value
    {%- endfor %}
    {%- if skipped_tables | length == 0 %}
    select
        cast(null as {{ dbt.type_string() }}) as table_name,
        cast(null as {{ dbt.type_string() }}) as check_name,
        cast(null as {{ dbt.type_string() }}) as identifier_type,
        0 as row_count,
        cast(null as {{ dbt.type_string() }}) as example_value
    where 1 = 0
    {%- endif %}

),

final as (

    select
        table_name, check_name, identifier_type,
        cast(row_count as {{ dbt.type_bigint() }}) as row_count, example_value
    from table_checks
    union all
    select
        table_name, check_name, identifier_type,
        cast(row_count as {{ dbt.type_bigint() }}) as row_count, example_value
    from rejected
    union all
    select
        table_name, check_name, identifier_type,
        cast(row_count as {{ dbt.type_bigint() }}) as row_count, example_value
    from quarantined
    union all
    select
        table_name, check_name, identifier_type,
        cast(row_count as {{ dbt.type_bigint() }}) as row_count, example_value
    from suppressed
    union all
    select
        table_name, check_name, identifier_type,
        cast(row_count as {{ dbt.type_bigint() }}) as row_count, example_value
    from skipped

)

select * from final
