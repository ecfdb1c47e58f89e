"""Need-to-know through time, ownership and whose audit a user name is: the pure rules."""

from __future__ import annotations

import pytest

from setu_planning.domain.outbox import Change
from setu_planning.domain.parties import NotPermitted, Party, PartyIdentifier
from setu_planning.domain.visibility import (
    NotOwner,
    Sight,
    check_owner,
    history_span,
    may_write,
    owed_change,
    parties_let_in,
    shows_on_behalf_of,
    sight,
)

A = Party("A", frozenset({PartyIdentifier("ACME", "Customer")}))
B = Party("B", frozenset({PartyIdentifier("BETA", "Customer")}))
C = Party("C", frozenset({PartyIdentifier("CITO", "Customer")}))


def naming(customer: str, supplier: str) -> dict:
    return {
        "customer": {"id": [{"value": customer, "schemeAgencyId": "Customer"}]},
        "supplier": {"id": [{"value": supplier, "schemeAgencyId": "Customer"}]},
    }


V1 = naming("ACME", "BETA")  # A and B
V2 = naming("ACME", "CITO")  # B replaced by C
V3 = naming("ACME", "CITO")


def test_the_first_version_is_named_for_every_party_it_names():
    assert sight(A, V1, None) is Sight.NAMED
    assert sight(B, V1, None) is Sight.NAMED
    assert sight(C, V1, None) is Sight.HIDDEN


def test_a_party_added_later_cannot_read_what_came_before_it():
    assert sight(C, V1, None) is Sight.HIDDEN
    assert not sight(C, V1, None).readable
    assert sight(C, V2, V1) is Sight.NAMED
    assert sight(C, V3, V2) is Sight.SEEN


def test_a_removed_party_sees_its_removal_but_not_the_new_content():
    removal = sight(B, V2, V1)
    assert removal is Sight.REMOVED
    assert removal.listed and not removal.readable
    assert sight(B, V3, V2) is Sight.HIDDEN


def test_the_embedding_system_sees_every_version():
    assert sight(None, V1, None) is Sight.NAMED
    assert sight(None, V2, V1) is Sight.SEEN
    assert sight(None, naming("X", "Y"), V2) is Sight.SEEN


def test_a_partys_history_lists_its_versions_and_its_removal_and_nothing_after():
    messages = [V1, V2, V3, naming("ACME", "BETA")]
    assert history_span(B, messages) == [(1, Sight.NAMED), (2, Sight.REMOVED), (4, Sight.NAMED)]
    assert history_span(C, messages) == [(2, Sight.NAMED), (3, Sight.SEEN), (4, Sight.REMOVED)]
    assert history_span(A, messages) == [(1, Sight.NAMED), (2, Sight.SEEN), (3, Sight.SEEN), (4, Sight.SEEN)]


@pytest.mark.parametrize(
    ("visible", "change", "created_there", "owed"),
    [
        (Sight.HIDDEN, Change.REPLACE, True, None),
        (Sight.REMOVED, Change.REPLACE, True, Change.CANCEL),
        (Sight.REMOVED, Change.REPLACE, False, None),
        (Sight.NAMED, Change.REPLACE, False, Change.CREATE),
        (Sight.NAMED, Change.REPLACE, True, Change.CREATE),  # its copy was cancelled when it was removed
        (Sight.NAMED, Change.CREATE, False, Change.CREATE),
        (Sight.SEEN, Change.ADD_LINE, True, Change.ADD_LINE),
        (Sight.SEEN, Change.ADD_LINE, False, Change.CREATE),
        (Sight.SEEN, Change.CANCEL, True, Change.CANCEL),
        (Sight.SEEN, Change.CANCEL, False, None),
    ],
)
def test_outbound_follows_what_the_version_is_to_the_counterparty(visible, change, created_there, owed):
    assert owed_change(visible, change, created_there=created_there) is owed


def test_a_removed_party_is_sent_a_cancellation_never_the_new_content():
    assert owed_change(sight(B, V2, V1), Change.REPLACE, created_there=True) is Change.CANCEL
    assert owed_change(sight(C, V2, V1), Change.REPLACE, created_there=False) is Change.CREATE


def test_parties_let_in_by_a_change():
    assert parties_let_in([A, B, C], V2, V1) == [C]
    assert parties_let_in([A, B, C], V1, None) == [A, B]


def test_only_the_owner_and_the_embedding_system_write():
    assert may_write(A, "A")
    assert may_write(None, "A")
    assert may_write(None, None)
    assert not may_write(B, "A")
    assert not may_write(B, None)  # made by the embedding system: changed by it only


def test_a_counterparty_cannot_evict_the_creator():
    with pytest.raises(NotOwner) as refused:
        check_owner(B, "A", "PlanningAssignment 1234")
    assert isinstance(refused.value, NotPermitted)  # 403, like every other refusal of a party
    assert "party A" in str(refused.value) and "PlanningAssignment 1234" in str(refused.value)
    check_owner(A, "A", "PlanningAssignment 1234")
    check_owner(None, "A", "PlanningAssignment 1234")


def test_staff_names_are_shown_to_the_sending_party_and_the_embedding_system_only():
    assert shows_on_behalf_of(B, "B")
    assert shows_on_behalf_of(None, "B")
    assert not shows_on_behalf_of(A, "B")
    assert not shows_on_behalf_of(A, None)  # a local user name is the embedding system's own
