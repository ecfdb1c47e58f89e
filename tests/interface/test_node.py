"""What one serving worker process is made of: one planning application, one delivery application.

``app_factory(options)()`` is exactly what each gunicorn worker calls after the
fork (and waitress once). Here it runs on a real SQLite store with a real
counterparty (the stub SETU server over HTTP): a change is delivered by the
background worker and listed by ``GET .../deliveries``, and the process built
one delivery application for both, not one each.
"""

from __future__ import annotations

import json
import uuid

import pytest
from samples import request
from stub_setu_server import StubSetuServer
from support import eventually

from setu_planning.application.delivery import DeliveryApplication
from setu_planning.interface.parties import token_hash
from setu_planning.interface.server import ServeOptions, app_factory


@pytest.fixture
def counterparty():
    stub = StubSetuServer().start()
    yield stub
    stub.stop()
    assert not stub.errors, "\n".join(stub.errors)


@pytest.fixture
def built(monkeypatch):
    """Every DeliveryApplication constructed while the test runs."""
    made: list[DeliveryApplication] = []
    construct = DeliveryApplication.__init__

    def counting(self, *args, **kwargs):
        made.append(self)
        construct(self, *args, **kwargs)

    monkeypatch.setattr(DeliveryApplication, "__init__", counting)
    return made


def test_a_serving_worker_process_holds_exactly_one_delivery_application(tmp_path, monkeypatch, counterparty, built):
    otto_token = f"otto-{uuid.uuid4().hex}{uuid.uuid4().hex}"
    acme_token = f"acme-{uuid.uuid4().hex}{uuid.uuid4().hex}"
    parties = tmp_path / "parties.toml"
    parties.write_text(
        "[parties.otto]\n"
        'identifiers = [{ value = "OTTO", schemeAgencyId = "Customer" }]\n'
        f'tokens = ["{token_hash(otto_token)}"]\n\n'
        "[parties.acme]\n"
        'identifiers = [{ value = "ACME", schemeAgencyId = "Customer" }]\n'
        f'tokens = ["{token_hash(acme_token)}"]\n'
        f'endpoint = "{counterparty.base_url}"\n'
        'endpoint_token_env = "ACME_ENDPOINT_TOKEN"\n'
    )
    endpoint_token = f"to-acme-{uuid.uuid4().hex}"
    counterparty.require_token(endpoint_token)
    monkeypatch.setenv("ACME_ENDPOINT_TOKEN", endpoint_token)
    options = ServeOptions(
        host="127.0.0.1",
        port=0,
        database=f"sqlite:///{tmp_path / 'store.sqlite3'}",
        parties_file=str(parties),
        workers=1,
        threads=4,
        server="gunicorn",
    )

    app = app_factory(options)()
    try:
        client = app.test_client()
        otto = {"Authorization": f"Bearer {otto_token}", "setuVersionId": "2.0", "Accept": "application/json"}
        acme = {"Authorization": f"Bearer {acme_token}", "Accept": "application/json"}
        created = client.post(
            "/planning/requests", data=json.dumps(request()), content_type="application/json", headers=otto
        )
        assert created.status_code == 201, created.get_data(as_text=True)
        resource = created.headers["Location"].rsplit("/", 1)[-1]

        eventually(lambda: counterparty.ids("requests"), "the request delivered to ACME by the background worker")

        def delivered():  # what ACME is owed about the request, as ACME sees it
            listed = client.get(f"/planning/requests/{resource}/deliveries", headers=acme)
            assert listed.status_code == 200, listed.get_data(as_text=True)
            rows = listed.get_json()["deliveries"]
            return [(row["party"], row["status"]) for row in rows] == [("acme", "delivered")] and rows

        eventually(delivered, "the delivery listed as delivered")
        assert len(built) == 1, f"one worker process built {len(built)} delivery applications"
    finally:
        node = app.extensions.get("setu_planning_node")
        if node is not None and hasattr(node, "close"):
            node.close()
        app.extensions["setu_planning"].close()
