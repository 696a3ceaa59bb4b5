{#- Which copy of a message id is kept. -#}

{% macro deduplicate_events(relation, columns, stored_copy_column=none) -%}
    {#- One row per message id of each source (the same message id in two sources is two
        events; relation `relation` has source_name): the first received (then earliest timestamp, then the
        smallest user_id and anonymous_id, so the choice is the same on every engine).
        Rows without a message id, or whose timestamp cannot be read, are left out here and
        counted in idstitch_data_quality.
        `columns` are staged column names; they are quoted, whatever they are. An
        incremental build passes the copies it kept before beside the new rows, flagged
        by `stored_copy_column` (1 for a kept copy, returned among the columns): of two
        copies equal in every sort key, the kept one stays, so rereading the rows of
        the lookback window changes nothing. -#}
    {%- set quoted = [] -%}
    {%- for name in columns + ([stored_copy_column] if stored_copy_column else []) -%}
        {%- do quoted.append(idstitch.quote_identifier(name)) -%}
    {%- endfor -%}
    select {{ quoted | join(', ') }}
    from (
        select
            {{ quoted | join(', ') }},
            row_number() over (
                partition by source_name, event_id
                order by
                    received_at asc nulls last,
                    event_at asc nulls last,
                    {{ idstitch.binary_order('user_id') }} asc nulls last,
                    {{ idstitch.binary_order('anonymous_id') }} asc nulls last
                    {%- if stored_copy_column %},
                    {{ idstitch.quote_identifier(stored_copy_column) }} desc
                    {%- endif %}
            ) as duplicate_rank
        from {{ relation }}
        where
            not {{ idstitch.is_blank('event_id') }}
            and not has_unreadable_timestamp
    ) as ranked
    where duplicate_rank = 1
{%- endmacro %}
