"""Writers racing on the same index or resource: every command lands once, none is lost."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from samples import constraints, request, single_planning_line

WRITERS = 8


def test_concurrent_submissions_for_one_worker_all_reach_the_worker_index(app):
    def submit(n: int):
        document = {"value": f"CON-{n}", "schemeAgencyId": "Supplier"}
        return app.constraints.submit(constraints(documentId=document)).state.id

    with ThreadPoolExecutor(WRITERS) as pool:
        ids = set(pool.map(submit, range(WRITERS)))
    assert len(ids) == WRITERS
    assert {state.id for state in app.constraints.of_worker("W-1")} == ids


def test_concurrent_line_additions_to_one_resource_are_all_kept(app):
    request_id = app.requests.submit(request()).state.id

    def add(n: int):
        app.requests.add_line(request_id, "single", single_planning_line(f"S{n}"))

    with ThreadPoolExecutor(WRITERS) as pool:
        list(pool.map(add, range(WRITERS)))
    state = app.requests.get(request_id)
    assert state.version == WRITERS + 1
    assert sorted(line["lineId"]["value"] for line in state.message["singlePlanningLine"]) == sorted(
        f"S{n}" for n in range(WRITERS)
    )


def test_concurrent_identical_submissions_make_one_resource(app):
    with ThreadPoolExecutor(WRITERS) as pool:
        results = list(pool.map(lambda _: app.requests.submit(request()), range(WRITERS)))
    assert len({result.state.id for result in results}) == 1
    assert sum(result.created for result in results) == 1
