"""Sub-commands of the ``idstitch`` CLI.

Every module in this package that defines ``register(subparsers)`` adds one
sub-command; ``idstitch.cli`` discovers them, so adding a command never means
editing a shared list.
"""
