{#- A text in Unicode normalisation form NFC, so `é` typed as one character and as `e` with
    a combining accent is one spelling. -#}

{% macro unicode_nfc(expr) -%}
    {{ return(adapter.dispatch('unicode_nfc', 'idstitch')(expr)) }}
{%- endmacro %}

{% macro default__unicode_nfc(expr) -%}
    {#- PostgreSQL 13 and later, in a UTF-8 database. -#}
    normalize({{ expr }}, NFC)
{%- endmacro %}

{% macro duckdb__unicode_nfc(expr) -%}
    nfc_normalize({{ expr }})
{%- endmacro %}

{% macro spark__unicode_nfc(expr) -%}
    {#- Spark SQL has no Unicode normalisation function (reflect() cannot pass the
        java.text.Normalizer.Form argument): the text is kept as sent, so on Spark an NFD
        and an NFC spelling stay two identifiers. The data contract says so. -#}
    {{ expr }}
{%- endmacro %}
