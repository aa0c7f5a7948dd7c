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


# The current Nu Html Checker, from npm's vnu-jar (installed by .ci/setup into .venv/vnu/).
VNU_JAR = Path(__file__).resolve().parents[1] / ".venv" / "vnu" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def vnu() -> list[str]:
    """The command that runs the Nu Html Checker (HTML and CSS, warnings as errors)."""
    java = require("java", "the Nu Html Checker runs on Java")
    if not VNU_JAR.is_file():
        message = f"{VNU_JAR} is missing (npm vnu-jar); .ci/setup installs it"
        if os.environ.get("CABLE_EDITION_REQUIRE_ALL_TOOLS"):
            pytest.fail(message)
        pytest.skip(message)
    return [java, "-jar", str(VNU_JAR), "--also-check-css", "--Werror", "--format", "gnu"]
