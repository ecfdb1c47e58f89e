"""A Flask test client over a real application on the in-memory store."""

from __future__ import annotations

import pytest
from support import TestPlanningApplication

from setu_planning.interface.http import create_app

V2 = {"setuVersionId": "2.0"}


@pytest.fixture
def planning():
    application = TestPlanningApplication("memory://")
    yield application
    application.close()


@pytest.fixture
def client(planning):
    return create_app(planning).test_client()
