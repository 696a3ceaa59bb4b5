"""Why identifiers are one person: chains of events, and what kept two persons apart.

Reads the published tables (``user_identifiers``, ``users``, ``identity_links``, and
``identity_conflicts`` when there is one) through :func:`idstitch.read_table`::

    from idstitch import explain
    data = explain.load_explain_data("idstitch.duckdb")
    answer = explain.explain_identifier(data, "email:jane@example.com")
    print(explain.render_person(answer))
    print(explain.render_between(explain.explain_between(data, "email:a@x.com", "phone:+1...")))

A chain is a shortest path over ``identity_links`` (each link: the event table, message
id and time of the first event carrying both identifiers). The bridges of a person (the
identifiers whose removal splits it) come from :meth:`LinkGraph.bridges`.
"""

from __future__ import annotations

from idstitch.explain.answers import (
    MAX_DEFAULT_CHAINS,
    BetweenExplanation,
    Chain,
    ExplainError,
    PersonExplanation,
    explain_between,
    explain_identifier,
)
from idstitch.explain.data import ExplainData, load_explain_data
from idstitch.explain.graph import Hop, Link, LinkGraph, Node, links_of_frame
from idstitch.explain.lookup import Found, Junk, Resolution, Unseen, resolve
from idstitch.explain.render import render_between, render_person

__all__ = [
    "MAX_DEFAULT_CHAINS",
    "BetweenExplanation",
    "Chain",
    "ExplainData",
    "ExplainError",
    "Found",
    "Hop",
    "Junk",
    "Link",
    "LinkGraph",
    "Node",
    "PersonExplanation",
    "Resolution",
    "Unseen",
    "explain_between",
    "explain_identifier",
    "links_of_frame",
    "load_explain_data",
    "render_between",
    "render_person",
    "resolve",
]
