{% macro demo_seeds_enabled() -%}
    {#- var idstitch_demo_seeds: the bundled demo seeds are the raw tables (default off;
        `make demo` turns it on with --vars, the only way the seeds' config can see it). -#}
    {%- set enabled = var('idstitch_demo_seeds', false) -%}
    {%- if enabled not in [true, false] -%}
        {{- exceptions.raise_compiler_error(
            "idstitch: var idstitch_demo_seeds must be true or false, got `" ~ enabled ~ "`") -}}
    {%- endif -%}
    {{- return(enabled) -}}
{%- endmacro %}
