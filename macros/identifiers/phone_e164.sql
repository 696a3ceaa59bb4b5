{#- How a phone becomes one identifier: E.164 (`+<calling code><national number>`), read
    with a default country (var idstitch_default_phone_country), from the numbering
    metadata of phone_countries.sql (rendered from the phonenumbers library). -#}

{% macro phone_default_region(country=none) -%}
    {#- The metadata of var idstitch_default_phone_country, or of `country` when given
        (ISO 3166 alpha-2, any case); an unknown code fails at compile time naming it. -#}
    {%- set given = var('idstitch_default_phone_country') if country is none else country -%}
    {%- set code = given | string | trim | upper -%}
    {%- set regions = idstitch.phone_regions() -%}
    {%- if code not in regions -%}
        {{- exceptions.raise_compiler_error(
            "idstitch: var idstitch_default_phone_country is " ~ (given | tojson)
            ~ "; expected an ISO 3166 alpha-2 region code with a telephone numbering plan, such as US or GB.") -}}
    {%- endif -%}
    {{- return(regions[code]) -}}
{%- endmacro %}


{% macro phone_e164(expr, country=none) -%}
    {#- SQL: expr (trimmed, NFC) as `+<calling code><national number>` when it is a phone
        number, else a text that is not (rejection_reason then says `invalid_phone`). Each
        step is one regular-expression substitution of the step before (no copies of expr):
        1. drop the formatting: ASCII white space . ( ) / - (letters, `#`, `*`, an
           extension stay, and make the value no phone);
        2. a leading `00`, or the default country's international prefix when it is a
           fixed one (`011` in the US), with or without a `+` before it and followed by a
           digit other than 0, is the international prefix, written `+`;
        3. national form (no `+`), of the default country D (calling code C, trunk prefix
           T, possible lengths L, longest M): a number starting with C that is longer than
           M is C and a national number (`.` marks it), whose leading T is dropped; else a
           leading T is dropped when what is left has a length in L; then C is put in
           front (`-` marks a national number read so far);
        4. international form (`+`, and the numbers marked `.`): after the calling code, a
           leading trunk prefix of that country is dropped when what is left has one of
           its possible lengths;
        5. a value is a phone when `+`, a calling code and a national number of one of its
           possible lengths are all it is (phone_international_patterns().valid).
        `country` stands for the var (the tests read several countries in one query). -#}
    {%- set region = idstitch.phone_default_region(country) -%}
    {%- set international = idstitch.phone_international_patterns() -%}
    {%- set code = region['calling_code'] -%}
    {%- set trunk = region['trunk'] -%}
    {%- set longer = region['longest'] + 1 - (code | length) -%}
    {%- set ns = namespace(sql=idstitch.regexp_remove(expr, '[[:space:].()/-]')) -%}
    {%- set idd = (['00'] if region['idd'] in ['', '00'] else [region['idd'], '00']) | join('|') -%}
    {%- set ns.sql = idstitch.regexp_substitute(ns.sql, '^[+]?(?:' ~ idd ~ ')([1-9])', '+\\1') -%}
    {%- set ns.sql = idstitch.regexp_substitute(ns.sql, '^' ~ code ~ '([0-9]{' ~ longer ~ ',})$', '.\\1') -%}
    {%- if trunk -%}
        {%- set ns.sql = idstitch.regexp_substitute(ns.sql, '^[.]' ~ trunk, '.') -%}
    {%- endif -%}
    {%- set ns.sql = idstitch.regexp_substitute(ns.sql, '^[.]', '+' ~ code) -%}
    {%- if trunk and region['lengths'] -%}
        {%- set ns.sql = idstitch.regexp_substitute(ns.sql, '^' ~ trunk ~ '(' ~ region['lengths_pattern'] ~ ')$', '-' ~ code ~ '\\1') -%}
    {%- endif -%}
    {%- set ns.sql = idstitch.regexp_substitute(ns.sql, '^([0-9])', '-' ~ code ~ '\\1') -%}
    {%- set ns.sql = 'case when ' ~ idstitch.regexp_matches(ns.sql, international['strip'])
        ~ ' then ' ~ idstitch.regexp_substitute(ns.sql, international['trunk'], international['trunk_replacement'])
        ~ ' else ' ~ ns.sql ~ ' end' -%}
    {{- idstitch.regexp_substitute(ns.sql, '^-', '+') -}}
{%- endmacro %}


{% macro is_phone_e164(expr) -%}
    {#- Boolean SQL: expr (phone_e164's result) is a phone number. -#}
    {{- idstitch.regexp_matches(expr, idstitch.phone_international_patterns()['valid']) -}}
{%- endmacro %}


{% macro is_phone_of_zeros(expr) -%}
    {#- Boolean SQL: expr (phone_e164's result) is `+`, maybe a calling code, then only
        zeros (`(000) 000-0000`, `00 000 000`): a placeholder, blocked. -#}
    {{- idstitch.regexp_matches(expr, idstitch.phone_international_patterns()['zeros']) -}}
{%- endmacro %}
