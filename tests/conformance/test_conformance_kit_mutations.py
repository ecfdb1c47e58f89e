"""A mutation test of the conformance kit: each broken server fails exactly the checks of its defect.

The servers are the stub SETU server (not ours) made to validate as the
standard asks (``ConformingStub``), then broken one defect at a time. Without
a defect it passes every MUST check; with one, the kit must fail precisely
the checks that defect breaks, no more and no fewer.
"""

from __future__ import annotations

import pytest
from broken_servers import DEFECTS, ConformingStub

from setu_planning.interface.conformance import Settings, run
from setu_planning.interface.conformance.results import FAIL, PASS

pytestmark = pytest.mark.conformance

KINDS = ("requests", "assignments", "constraints")


def _each(*checks: str) -> set[str]:
    return {f"{kind}.{check}" for kind in KINDS for check in checks}


EXPECTED_FAILURES = {
    "200-for-201": _each("post.201"),
    "no-location": _each("post.location"),
    "202": _each("post.201", "post.not-202"),
    "bad-error-body": {"errors.error-object"},
    "missing-document": _each("bad.missing-element"),
    "5xx-on-malformed": _each("bad.malformed"),
    "cancelled-still-200": _each("delete.gone"),
    "ignore-version": _each("bad.no-version", "bad.wrong-version"),
    "5xx-on-invalid": _each("bad.missing-element", "bad.unknown-element"),
}


def _run(stub: ConformingStub, spec_dir, **options):
    settings = Settings(stub.base_url, spec_dir, **options)
    return run(settings)


def _failed(results) -> set[str]:
    return {r.check.id for r in results.ordered() if r.outcome == FAIL}


def test_every_defect_has_its_expected_failures():
    assert set(EXPECTED_FAILURES) == set(DEFECTS)


def test_the_conforming_stub_passes_every_must_check(spec_dir):
    with ConformingStub() as stub:
        results = _run(stub, spec_dir)
    assert _failed(results) == set(), [r.line() for r in results.ordered() if r.outcome == FAIL]
    assert results.exit_code == 0
    assert stub.errors == []
    outcomes = {r.check.id: r.outcome for r in results.ordered()}
    # where the stub takes the OpenAPI's side of a contradiction, the kit says so
    assert outcomes["requests.line.post"] == "WARN" and outcomes["requests.put.omitted-element"] == "WARN"
    assert outcomes["constraints.line.post"] == PASS


@pytest.mark.parametrize("defect", sorted(DEFECTS))
def test_a_broken_server_fails_exactly_the_checks_of_its_defect(defect, spec_dir):
    with ConformingStub(defect) as stub:
        results = _run(stub, spec_dir)
    assert _failed(results) == EXPECTED_FAILURES[defect], [r.line() for r in results.ordered() if r.outcome == FAIL]
    assert results.exit_code == 1
    assert stub.errors == []


def test_without_location_the_checks_needing_the_id_are_skipped_not_failed(spec_dir):
    with ConformingStub("no-location") as stub:
        results = _run(stub, spec_dir, kinds=("constraints",))
    outcomes = {r.check.id: r.outcome for r in results.ordered()}
    assert outcomes["constraints.post.location"] == FAIL
    assert outcomes["constraints.get.200"] == "SKIP"
    assert "constraints.post.location" in {r.check.id for r in results.ordered() if r.outcome == FAIL}


def test_a_server_demanding_a_token_is_checked_for_401_with_and_without_one(spec_dir):
    with ConformingStub() as stub:
        stub.require_token("kit-token-123")
        results = _run(stub, spec_dir, token="kit-token-123", kinds=("constraints",))
    outcomes = {r.check.id: r.outcome for r in results.ordered()}
    assert outcomes["auth.401"] == outcomes["auth.bad-token"] == outcomes["auth.www-authenticate"] == PASS
    assert _failed(results) == set()


def test_a_server_that_lets_anyone_in_fails_the_authentication_checks(spec_dir):
    with ConformingStub() as stub:  # no token required, but the run was given one
        results = _run(stub, spec_dir, token="kit-token-123", kinds=("constraints",))
    assert _failed(results) == {"auth.401", "auth.bad-token"}


def test_read_only_creates_nothing(spec_dir):
    with ConformingStub() as stub:
        results = _run(stub, spec_dir, read_only=True)
        methods = {r.method for r in stub.recorded}
        held = {name: stub.ids(name) for name in KINDS}
    assert methods <= {"GET", "PATCH"}  # PATCH: the wrong-method probe, on an id nobody holds
    assert held == {name: [] for name in KINDS}
    assert _failed(results) == set()


def test_the_run_deletes_what_it_created(spec_dir):
    with ConformingStub("missing-document") as stub:  # even what it should not have been able to create
        _run(stub, spec_dir)
        held = {name: stub.ids(name) for name in KINDS}
    assert held == {name: [] for name in KINDS}


def test_fuzzing_finds_the_server_error_on_invalid_bodies(spec_dir):
    with ConformingStub("5xx-on-invalid") as stub:
        results = _run(stub, spec_dir, kinds=("constraints",), fuzz=2)
    outcomes = {r.check.id: r for r in results.ordered()}
    assert outcomes["fuzz.no-5xx"].outcome == FAIL, outcomes["fuzz.no-5xx"].detail
    assert "-> 500" in outcomes["fuzz.no-5xx"].detail
