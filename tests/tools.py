"""Optional external tools: a test may skip when one is missing on a user's machine, but
never in CI, where .ci/run sets CABLE_EDITION_REQUIRE_ALL_TOOLS=1 and a missing tool fails."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest


def require(tool: str, why: str) -> str:
    beside_python = Path(sys.executable).parent / tool     # a console script of the test venv
    path = (str(beside_python) if beside_python.is_file() else None) or shutil.which(tool) \
        or (tool if os.path.isabs(tool) and os.access(tool, os.X_OK) else None)
    if path:
        return path
    message = f"{tool} is not installed ({why}); .ci/setup installs it"
    if os.environ.get("CABLE_EDITION_REQUIRE_ALL_TOOLS"):
        pytest.fail(message)
    pytest.skip(message)
