{#- The identifier dictionary: every distinct raw value of every identifier column,
    normalised, typed, hashed to its node id or rejected, once. Events repeat the
    same anonymous and user ids many times over, so doing this per distinct value
    instead of per event is most of the speed of the pipeline. Built from the staged
    tables (duplicates included: a value seen only in a duplicate message is
    harmless here, events are joined to it later). -#}
{%- set id_traits = idstitch.id_trait_columns(idstitch.identifies_columns()) -%}
{%- set present = idstitch.staged_identifies_columns() -%}
{%- set traits = [] -%}
{%- for trait in ['external_id', 'email', 'phone'] + id_traits if trait in present -%}
{%- do traits.append(trait) -%}
{%- endfor -%}
{%- set email_shaped = idstitch.regexp_matches(idstitch.trim_whitespace('raw_value'), idstitch.email_pattern()) -%}
{%- set is_email = "(raw_value like '%@%' and " ~ email_shaped ~ ")" -%}

with

identifies as (

    select * from {{ ref('stg_idstitch__identifies') }}

),

tracks as (

    select * from {{ ref('stg_idstitch__tracks') }}

),

pages as (

    select * from {{ ref('stg_idstitch__pages') }}

),

raw_values as (

    {%- for table in ['identifies', 'tracks', 'pages'] %}
    {%- for column in ['anonymous_id', 'user_id'] %}
    select '{{ column }}' as source_column, {{ column }} as raw_value from {{ table }}
    where {{ column }} is not null
    union all
    {%- endfor %}
    {%- endfor %}
    {%- for trait in traits %}
    select '{{ trait }}' as source_column, cast({{ trait }} as {{ dbt.type_string() }}) as raw_value
    from identifies
    where {{ trait }} is not null
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
    {%- if traits | length == 0 %}
    select 'user_id' as source_column, user_id as raw_value from identifies where 1 = 0
    {%- endif %}

),

distinct_values as (

    select
        source_column,
        raw_value
    from raw_values
    group by source_column, raw_value

),

typed as (

    select
        source_column,
        raw_value,
        case
            when source_column = 'user_id' and {{ is_email }} then 'email'
            when source_column = 'user_id' then 'external_id'
            else source_column
        end as identifier_type
    from distinct_values

),

normalised as (

    select
        source_column,
        raw_value,
        identifier_type,
        case
            when identifier_type = 'email' then {{ idstitch.normalise_identifier('email', 'raw_value') }}
            when identifier_type = 'phone' then {{ idstitch.normalise_identifier('phone', 'raw_value') }}
            else {{ idstitch.normalise_identifier('other', 'raw_value') }}
        end as normalised_value
    from typed

),

classified as (

    select
        *,
        {{ idstitch.rejection_reason('identifier_type', 'raw_value', 'normalised_value') }} as rejection_reason
    from normalised

),

final as (

    select
        source_column,
        raw_value,
        identifier_type,
        case when rejection_reason is null then normalised_value end as identifier_value,
        case
            when rejection_reason is null
                then {{ idstitch.node_hash(dbt.concat(['identifier_type', "':'", 'normalised_value'])) }}
        end as node_id,
        rejection_reason
    from classified

)

select * from final
