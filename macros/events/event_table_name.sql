{#- Which raw table an event came from. -#}

{% macro event_table_name(event_type_expr) -%}
    {#- The raw table of an event_type: identify -> identifies, track -> tracks,
        page -> pages, screen -> screens, alias -> aliases (macro event_tables). -#}
    case {{ event_type_expr }}
    {%- for table, event_type in idstitch.event_tables() %} when '{{ event_type }}' then '{{ table }}'{% endfor %} end
{%- endmacro %}
