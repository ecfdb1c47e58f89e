"""Shared fixtures: where the official SETU material lives.

The official files stay in ``../shared/setu-spec`` (beside the checkout); set
``SETU_SPEC_DIR`` to read them elsewhere. Tests that need them skip with a
reason when they are absent, unless ``SETU_SPEC_REQUIRED=1`` (as in CI), which
turns the absence into a failure.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MESSAGES = ("PlanningRequest", "PlanningAssignment", "PlanningConstraints")
VERSIONS = ("1.0", "2.0")


def _spec_dir() -> Path:
    configured = os.environ.get("SETU_SPEC_DIR")
    if configured:
        return Path(configured)
    return PROJECT_ROOT.parent / "shared" / "setu-spec"


@pytest.fixture(scope="session")
def spec_dir() -> Path:
    """The folder with the official SETU Planning material (README, v1.0, v2.0, openapi)."""
    path = _spec_dir()
    if not (path / "v2.0").is_dir():
        reason = (
            f"official SETU material not found at {path}: "
            "put it at ../shared/setu-spec or set SETU_SPEC_DIR"
        )
        if os.environ.get("SETU_SPEC_REQUIRED") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return path


def example_path(spec: Path, message: str, version: str, fmt: str) -> Path:
    """Path of an official example, e.g. v2.0/PlanningRequest/PlanningRequest_Example_v2.0.json."""
    return spec / f"v{version}" / message / f"{message}_Example_v{version}.{fmt}"


def schema_path(spec: Path, message: str, version: str) -> Path:
    """Path of the official JSON Schema (YAML) of a message version."""
    suffix = "yaml" if version == "2.0" else "yml"
    return spec / f"v{version}" / message / f"{message}_v{version}.{suffix}"


def xsd_path(spec: Path, message: str, version: str) -> Path:
    return spec / f"v{version}" / message / f"{message}_v{version}.xsd"


@pytest.fixture(scope="session")
def official_example(spec_dir):
    """official_example(message, version='2.0') -> the official JSON example as a dict."""

    def load(message: str, version: str = "2.0") -> dict:
        return json.loads(example_path(spec_dir, message, version, "json").read_text())

    return load


# --------------------------------------------------------------------------
# Applications on each store. Under freezegun, event timestamps are
# FakeDatetime objects, which eventsourcing's JSON transcoder does not know;
# the test application registers them as the ISO datetimes they stand for.

from eventsourcing.persistence import DatetimeAsISO  # noqa: E402
from freezegun.api import FakeDatetime  # noqa: E402

from setu_planning.application.app import PlanningApplication  # noqa: E402


class FakeDatetimeAsISO(DatetimeAsISO):
    type = FakeDatetime
    name = "datetime_iso"


class TestPlanningApplication(PlanningApplication):
    """The real application, able to store events created under freeze_time."""

    __test__ = False

    def register_transcodings(self, transcoder):
        super().register_transcodings(transcoder)
        transcoder.register(FakeDatetimeAsISO())


@pytest.fixture(params=["memory", "sqlite"])
def store_url(request, tmp_path) -> str:
    """The URL of each store the library runs on without a server."""
    if request.param == "memory":
        return "memory://"
    return f"sqlite:///{tmp_path / 'planning.sqlite3'}"


@pytest.fixture
def app(store_url) -> PlanningApplication:
    application = TestPlanningApplication(store_url)
    yield application
    application.close()
