"""Shared fixtures: the official SETU material, and applications on each store.

Tests that need the official material skip with a reason when it is absent,
unless ``SETU_SPEC_REQUIRED=1`` (as in CI), which turns the absence into a failure.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from postgres_cluster import PostgresCluster
from support import TestPlanningApplication, example_path, spec_location


@pytest.fixture(scope="session")
def spec_dir() -> Path:
    """The folder with the official SETU Planning material (README, v1.0, v2.0, openapi)."""
    path = spec_location()
    if not (path / "v2.0").is_dir():
        reason = f"official SETU material not found at {path}: put it at ../shared/setu-spec or set SETU_SPEC_DIR"
        if os.environ.get("SETU_SPEC_REQUIRED") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def official_example(spec_dir):
    """official_example(message, version='2.0') -> the official JSON example as a dict."""

    def load(message: str, version: str = "2.0") -> dict:
        return json.loads(example_path(spec_dir, message, version, "json").read_text())

    return load


@pytest.fixture(scope="session")
def postgres_cluster():
    """A throwaway PostgreSQL cluster for the whole session (skips when PostgreSQL is absent)."""
    if not PostgresCluster.available():
        reason = "PostgreSQL (initdb, pg_ctl) is not on PATH"
        if os.environ.get("SETU_POSTGRES_REQUIRED") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    cluster = PostgresCluster()
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request, tmp_path) -> str:
    """The URL of each store: in memory, a SQLite file, a fresh PostgreSQL database."""
    if request.param == "memory":
        return "memory://"
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'planning.sqlite3'}"
    return request.getfixturevalue("postgres_cluster").new_database()


@pytest.fixture
def app(store_url):
    application = TestPlanningApplication(store_url)
    yield application
    application.close()
