{#- Which identifier an alias call's previous_id is (docs/contract.md, "Identifiers"). -#}

{% macro alias_previous_id(previous_id_expr, anonymous_id_expr, user_id_expr) -%}
    {#- SQL: the previous_id of an alias call that is an identifier of its own, typed like
        a user_id (email-shaped: email, else external_id); null when it equals, after
        trimming, the call's own anonymous_id (Segment's clients send the current
        anonymous id as previousId: it is that anonymous id, read from anonymous_id) or
        user_id (nothing new). -#}
    case
        when
            {{ idstitch.trim_whitespace(previous_id_expr) }} = {{ idstitch.trim_whitespace(anonymous_id_expr) }}
            or {{ idstitch.trim_whitespace(previous_id_expr) }} = {{ idstitch.trim_whitespace(user_id_expr) }}
            then null
        else {{ previous_id_expr }}
    end
{%- endmacro %}
