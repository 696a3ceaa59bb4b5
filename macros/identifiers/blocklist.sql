{#- Which values are blocked: the default list, the extra values and the patterns, per
    identifier type (docs/contract.md, "Junk values"). rejection_reason.sql writes the SQL. -#}

{% macro blocklist() -%}
    {#- The blocklist of the vars, checked: {'values': {key: [lower-cased values]},
        'patterns': {key: [patterns]}}, key an identifier type or '*' (every type).
        values['*'] holds var idstitch_blocked_values (the defaults; setting the var
        replaces them) and the '*' values of var idstitch_extra_blocked_values; a type's
        own values and patterns come from vars idstitch_extra_blocked_values and
        idstitch_blocked_patterns. A var of the wrong shape, a type that is no type name, an
        empty value or a pattern that does not work the same on every engine fails the
        build naming the var. -#}
    {%- set values = {'*': []} -%}
    {%- for value in var('idstitch_blocked_values') -%}
        {%- do values['*'].append(value | string | lower) -%}
    {%- endfor -%}
    {%- set extra = var('idstitch_extra_blocked_values', []) -%}
    {%- for key, items in idstitch._blocked_by_type('idstitch_extra_blocked_values', extra).items() -%}
        {%- do values.setdefault(key, []) -%}
        {%- for value in items if (value | lower) not in values[key] -%}
            {%- do values[key].append(value | lower) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- set patterns = idstitch._blocked_by_type('idstitch_blocked_patterns', var('idstitch_blocked_patterns', {})) -%}
    {%- for key, items in patterns.items() -%}
        {%- for pattern in items -%}
            {%- set problem = idstitch._blocked_pattern_problem(pattern) -%}
            {%- if problem is not none -%}
                {{- exceptions.raise_compiler_error(
                    "idstitch: var idstitch_blocked_patterns: the pattern " ~ (pattern | tojson)
                    ~ " (type " ~ (key | tojson) ~ ") cannot be used: " ~ problem
                    ~ ". Patterns are regular expressions that must mean the same on DuckDB, "
                    ~ "PostgreSQL and Spark (docs/contract.md, \"Junk values\")."
                ) -}}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{- return({'values': values, 'patterns': patterns}) -}}
{%- endmacro %}


{% macro blocked_pattern_regex(patterns) -%}
    {#- One regular expression matching a whole text that one of `patterns` matches:
        `^(?:p1|p2)$` (each pattern is balanced: _blocked_pattern_problem). -#}
    {{- return('^(?:' ~ (patterns | join('|')) ~ ')$') -}}
{%- endmacro %}


{% macro _blocked_by_type(name, given) -%}
    {#- The value `given` of var `name` (a list: for every type; or a mapping {type or '*': list}) as
        {key: [values as given]}; empty keys are left out. Fails naming the var. -#}
    {%- set expected = "a list of strings (for every type) or a mapping of identifier types "
        ~ "(or '*' for every type) to lists of strings, such as {email: [test@example.com], "
        ~ "'*': [guest]}" -%}
    {%- if given is none -%}
        {%- set given = [] -%}
    {%- endif -%}
    {%- if given is string or (given is not mapping and given is not iterable) -%}
        {{- exceptions.raise_compiler_error(
            "idstitch: var " ~ name ~ " is " ~ (given | tojson) ~ "; expected " ~ expected ~ ".") -}}
    {%- endif -%}
    {%- set by_type = given if given is mapping else {'*': given} -%}
    {%- set found = {} -%}
    {%- for key, items in by_type.items() -%}
        {%- set problem = none -%}
        {%- if key is not string or (key != '*' and modules.re.match('^[a-z][a-z0-9_]*$', key) is none) -%}
            {%- set problem = "the key " ~ (key | tojson) ~ " is no identifier type (a lower-case "
                ~ "word of letters, digits and `_`) and not '*'" -%}
        {%- elif items is string or items is mapping or items is not iterable -%}
            {%- set problem = "the value of " ~ (key | tojson) ~ " is " ~ (items | tojson)
                ~ ", not a list" -%}
        {%- else -%}
            {%- set checked = namespace(problem=none) -%}
            {%- for item in items if checked.problem is none -%}
                {%- if item is not string -%}
                    {%- set checked.problem = (item | tojson) ~ " is no string (quote it)" -%}
                {%- elif item | trim == '' -%}
                    {%- set checked.problem = "an empty value blocks nothing (empty values are "
                        ~ "rejected as `empty`)" -%}
                {%- endif -%}
            {%- endfor -%}
            {%- set problem = checked.problem -%}
        {%- endif -%}
        {%- if problem is not none -%}
            {{- exceptions.raise_compiler_error(
                "idstitch: var " ~ name ~ " is " ~ (given | tojson) ~ ": " ~ problem
                ~ "; expected " ~ expected ~ ".") -}}
        {%- endif -%}
        {%- if items | length > 0 -%}
            {%- do found.update({key: items | list}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{- return(found) -}}
{%- endmacro %}


{% macro _blocked_pattern_problem(pattern) -%}
    {#- Why a pattern of var idstitch_blocked_patterns cannot be used, or none. Patterns are
        the part of regular expressions that RE2 (DuckDB), PostgreSQL's AREs and Java
        (Spark) read alike: literal characters, `.`, bracket classes with ranges and the
        POSIX classes _ascii_posix_classes translates, groups `( )` and `(?: )`, `|`, the
        quantifiers `* + ?` and `{n}`, `{n,}`, `{n,m}` (n, m at most 1000), lazy with a `?`,
        `^` and `$`, and a backslash before a character other than a letter or digit
        (`\.`). Not: escapes such as `\d`, `\b`, `\1` (their meaning differs between the
        engines), other `(?` groups, possessive quantifiers, a `[` or `&&` inside a class
        (Java reads them as set operations), upper-case letters (values are matched lower-
        cased: they could never match), and syntax errors (unbalanced brackets, nothing to
        repeat, a trailing backslash). -#}
    {%- set posix = ['space', 'blank', 'digit', 'alpha', 'alnum', 'upper', 'lower', 'xdigit'] -%}
    {%- set ns = namespace(skip=0, depth=0, in_class=false, class_first=0, previous='start', problem=none) -%}
    {%- if pattern | trim == '' -%}
        {{- return("it is empty") -}}
    {%- endif -%}
    {%- for c in pattern if ns.problem is none -%}
        {%- set i = loop.index0 -%}
        {%- set next = pattern[i + 1] if i + 1 < pattern | length else '' -%}
        {%- if ns.skip > 0 -%}
            {%- set ns.skip = ns.skip - 1 -%}
        {%- elif c == '\\' -%}
            {%- if next == '' -%}
                {%- set ns.problem = "it ends with a backslash" -%}
            {%- elif modules.re.match('[0-9A-Za-z]', next) -%}
                {%- set ns.problem = "`\\" ~ next ~ "` means different things on different "
                    ~ "engines; write a bracket class such as `[0-9]` or `[[:space:]]`" -%}
            {%- else -%}
                {%- set ns.skip = 1 -%}
                {%- set ns.previous = 'atom' if not ns.in_class else ns.previous -%}
            {%- endif -%}
        {%- elif modules.re.match('[A-Z]', c) -%}
            {%- set ns.problem = "`" ~ c ~ "` is upper case, and values are matched lower-cased" -%}
        {%- elif ns.in_class -%}
            {%- if c == '[' and next == ':' -%}
                {%- set found = modules.re.match('\\[:([a-z]+):\\]', pattern[i:]) -%}
                {%- if found is none or found.group(1) not in posix -%}
                    {%- set ns.problem = "a `[` inside a bracket class is written `\\[`; the POSIX "
                        ~ "classes are [:" ~ (posix | join(':], [:')) ~ ":]" -%}
                {%- else -%}
                    {%- set ns.skip = (found.group(0) | length) - 1 -%}
                {%- endif -%}
            {%- elif c == '[' -%}
                {%- set ns.problem = "a `[` inside a bracket class is written `\\[`" -%}
            {%- elif c == '&' and next == '&' -%}
                {%- set ns.problem = "`&&` inside a bracket class is an intersection in Java "
                    ~ "(Spark); write `\\&`" -%}
            {%- elif c == ']' and i == ns.class_first -%}
                {%- set ns.problem = "a `]` first in a bracket class is written `\\]`" -%}
            {%- elif c == ']' -%}
                {%- set ns.in_class = false -%}
                {%- set ns.previous = 'atom' -%}
            {%- endif -%}
        {%- elif c == '[' -%}
            {%- set ns.in_class = true -%}
            {%- set ns.class_first = i + (2 if next == '^' else 1) -%}
            {%- set ns.skip = 1 if next == '^' else 0 -%}
        {%- elif c == '(' -%}
            {%- if next == '?' and pattern[i + 2:i + 3] != ':' -%}
                {%- set ns.problem = "of the `(?` groups only `(?:` works on every engine" -%}
            {%- endif -%}
            {%- set ns.skip = 2 if next == '?' else 0 -%}
            {%- set ns.depth = ns.depth + 1 -%}
            {%- set ns.previous = 'start' -%}
        {%- elif c == ')' -%}
            {%- set ns.depth = ns.depth - 1 -%}
            {%- if ns.depth < 0 -%}
                {%- set ns.problem = "a `)` closes no `(`" -%}
            {%- endif -%}
            {%- set ns.previous = 'atom' -%}
        {%- elif c == '|' or c == '^' or c == '$' -%}
            {%- set ns.previous = 'start' -%}
        {%- elif c in ['*', '+', '?', '{'] -%}
            {%- set counted = modules.re.match('\\{([0-9]+)(,([0-9]*))?\\}', pattern[i:]) if c == '{' else none -%}
            {%- if c == '{' and counted is none -%}
                {%- set ns.problem = "a `{` that is no repetition `{n}`, `{n,}` or `{n,m}` is "
                    ~ "written `\\{`" -%}
            {%- elif counted is not none and ([counted.group(1) | int, (counted.group(3) or '0') | int] | max) > 1000 -%}
                {%- set ns.problem = "a repetition is at most {1000}" -%}
            {%- elif counted is not none and counted.group(3) and (counted.group(3) | int) < (counted.group(1) | int) -%}
                {%- set ns.problem = "in `" ~ counted.group(0) ~ "` the maximum is below the minimum" -%}
            {%- elif ns.previous == 'start' -%}
                {%- set ns.problem = "`" ~ c ~ "` repeats nothing" -%}
            {%- elif ns.previous == 'quantifier' and c == '?' -%}
                {%- set ns.previous = 'lazy' -%}
            {%- elif ns.previous in ['quantifier', 'lazy'] -%}
                {%- set ns.problem = "`" ~ c ~ "` follows a repetition (possessive and double "
                    ~ "repetitions do not work on every engine)" -%}
            {%- else -%}
                {%- set ns.previous = 'quantifier' -%}
            {%- endif -%}
            {%- if counted is not none -%}
                {%- set ns.skip = (counted.group(0) | length) - 1 -%}
            {%- endif -%}
        {%- elif c == '}' -%}
            {%- set ns.problem = "a `}` that closes no repetition is written `\\}`" -%}
        {%- else -%}
            {%- set ns.previous = 'atom' -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if ns.problem is none and ns.in_class -%}
        {%- set ns.problem = "a `[` is not closed" -%}
    {%- elif ns.problem is none and ns.depth > 0 -%}
        {%- set ns.problem = "a `(` is not closed" -%}
    {%- endif -%}
    {{- return(ns.problem) -}}
{%- endmacro %}
