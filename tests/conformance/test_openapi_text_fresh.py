"""The official operations' text the service's OpenAPI uses is what the official planning.yml says."""

from __future__ import annotations

import subprocess
import sys

import pytest
from support import PROJECT_ROOT

pytestmark = pytest.mark.conformance


def test_the_generated_official_text_is_not_stale(spec_dir):
    run = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "tools" / "generate_openapi_operations.py"), "--check"],
        capture_output=True, text=True, env={"SETU_SPEC_DIR": str(spec_dir), "PATH": ""},
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
