{{ config(tags=['idstitch_plain_text']) }}
{#- One row per identify message id (see macro deduplicate_events for the rule). -#}

with

identifies as (

    select * from {{ ref('stg_idstitch__identifies') }}

),

deduplicated as (

    {{ idstitch.deduplicate_events('identifies', idstitch.staged_identifies_columns()) }}

)

select * from deduplicated
