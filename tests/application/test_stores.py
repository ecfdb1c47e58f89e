"""Each store says which backend it is, and a backend's driver is imported only when a URL names it."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from setu_planning.application import PlanningApplication
from setu_planning.application.delivery import DeliveryApplication, DeliveryLock

BACKENDS = {"memory": "memory", "sqlite": "sqlite", "postgresql": "postgresql"}


def test_each_store_says_which_backend_it_is_and_gives_its_outbox_and_lock(app, store_url):
    scheme = store_url.split(":", 1)[0]
    assert app.store.backend == BACKENDS[scheme]
    delivery = DeliveryApplication(app)
    try:
        assert delivery.store.backend == app.store.backend
        assert delivery.deliveries() == []
        lock = DeliveryLock(app)
        assert lock.try_acquire()
        assert lock.still_held()
        lock.release()
        assert not lock.still_held()
    finally:
        delivery.close()


def test_settings_naming_the_librarys_own_persistence_module_open_the_setu_store(tmp_path):
    app = PlanningApplication(
        env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "old.sqlite3")}
    )
    try:
        assert app.store.backend == "sqlite"
        assert app.recorder.select_resource_ids(None, 1) == []
    finally:
        app.close()


def test_a_sqlite_store_and_its_outbox_never_import_the_postgresql_driver(tmp_path):
    script = textwrap.dedent(
        f"""
        import sys
        from setu_planning.application import PlanningApplication
        from setu_planning.application.delivery import DeliveryApplication
        import setu_planning.application.recorders, setu_planning.application.delivery_store
        planning = PlanningApplication("sqlite:///{tmp_path / "store.sqlite3"}")
        DeliveryApplication(planning).close()
        planning.close()
        print(sorted(m for m in sys.modules if m.split(".")[0] == "psycopg" or m.endswith(".postgres")))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
