{#- No event of this project's data links two persons: replaying the events in event
    order (docs/contract.md, "Persons"), every event's identifiers seen before it are in
    one person (Ada's second identify and device track, Bob's login and legacy track
    each add identifiers to a person already known). So person_merges is empty; any
    row it has is returned and fails the test. -#}

select * from {{ ref('idstitch', 'idstitch__person_merges') }}
