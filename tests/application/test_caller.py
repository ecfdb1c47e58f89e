"""Who acts: one Caller per command, and what each kind of caller leaves in the audit trail."""

from __future__ import annotations

import pytest
from samples import request, single_planning_line

from setu_planning.application import LOCAL_CALLER, Caller
from setu_planning.domain.errors import ResourceNotFound
from setu_planning.domain.parties import NotPermitted, Party, PartyIdentifier

ACME = Party("acme-portal", frozenset({PartyIdentifier("ACME", "Customer")}))
RIVAL = Party("rival", frozenset({PartyIdentifier("RIVAL", "Customer")}))


def who(entry) -> tuple[str | None, str | None, str | None, str | None]:
    return entry.actor, entry.party, entry.on_behalf_of, entry.setu_version


def test_a_counterparty_is_recorded_as_the_actor_and_keeps_whom_it_acted_for(app):
    by = Caller.counterparty(ACME, on_behalf_of="j.jansen", setu_version="1.0")
    request_id = app.requests.submit(request(), by=by).state.id
    assert [who(e) for e in app.requests.history(request_id)] == [("acme-portal", "acme-portal", "j.jansen", "1.0")]


def test_a_counterparty_is_its_own_actor_whatever_actor_the_caller_names(app):
    by = Caller(party=ACME, actor="someone-else")
    request_id = app.requests.submit(request(), by=by).state.id
    assert who(app.requests.history(request_id)[0]) == ("acme-portal", "acme-portal", None, None)


def test_a_local_caller_records_its_own_name_and_no_party(app):
    request_id = app.requests.submit(request(), by=Caller.local("backoffice", setu_version="2.0")).state.id
    app.requests.add_line(request_id, "single", single_planning_line("S1"), by=Caller.local("planner"))
    assert [who(e) for e in app.requests.history(request_id)] == [
        ("backoffice", None, None, "2.0"),
        ("planner", None, None, None),
    ]


def test_a_command_without_a_caller_records_no_one(app):
    request_id = app.requests.submit(request()).state.id
    app.requests.cancel(request_id)
    assert [who(e) for e in app.requests.history(request_id)] == [(None, None, None, None)] * 2
    assert Caller.local() == LOCAL_CALLER


def test_a_counterparty_caller_is_held_to_messages_that_name_it(app):
    with pytest.raises(NotPermitted):
        app.requests.submit(request(), by=Caller.counterparty(RIVAL))
    request_id = app.requests.submit(request()).state.id
    with pytest.raises(ResourceNotFound):
        app.requests.cancel(request_id, by=Caller.counterparty(RIVAL))
    assert app.requests.get(request_id).version == 1


@pytest.mark.parametrize("keyword", ["actor", "party", "on_behalf_of", "setu_version"])
def test_the_old_who_keywords_are_refused(app, keyword):
    with pytest.raises(TypeError):
        app.requests.submit(request(), **{keyword: "acme-portal"})
    request_id = app.requests.submit(request()).state.id
    with pytest.raises(TypeError):
        app.requests.cancel(request_id, **{keyword: "acme-portal"})
    assert app.requests.get(request_id).version == 1
