{#- Which raw table an event came from. -#}

{% macro event_table_name(event_type_expr) -%}
    {#- The raw table of an event_type: identify -> identifies, track -> tracks,
        page -> pages. -#}
    case {{ event_type_expr }} when 'identify' then 'identifies' when 'track' then 'tracks' else 'pages' end
{%- endmacro %}
