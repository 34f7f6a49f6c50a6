"""A second `pip install .` reuses the first one's objects: configured as scikit-build-core
does under build isolation (pybind11 in a new temporary directory, the cache and the
top-level CMakeFiles/ removed), the project compiles every object with the same command into
the same place, so ninja has nothing to redo."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pybind11
import pytest

ROOT = Path(__file__).parent.parent
WHEEL_PROJECT = ROOT / "cpp" / "wheel"


def configure(build: Path, pybind11_dir: Path) -> dict[str, str]:
    """Configure the wheel's project; the compile command of each object, by object path."""
    subprocess.run(
        [
            "cmake",
            "-S",
            str(WHEEL_PROJECT),
            "-B",
            str(build),
            "-G",
            "Ninja",
            "-DCMAKE_BUILD_TYPE=Release",
            "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON",
            "-DALPHAFORGE_BUILD_PYTHON=ON",
            f"-DPython_EXECUTABLE={sys.executable}",
            f"-Dpybind11_DIR={pybind11_dir}",
            "-DSKBUILD_PROJECT_NAME=alphaforge",
            "-DSKBUILD_PROJECT_VERSION=0.0.0",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    entries = json.loads((build / "compile_commands.json").read_text())
    return {entry["output"]: entry["command"] for entry in entries}


def isolated_pybind11(where: Path) -> Path:
    """A copy of the installed pybind11, as a fresh build environment would hold it."""
    package = Path(pybind11.__file__).parent
    shutil.copytree(package, where / "pybind11")
    return where / "pybind11" / "share" / "cmake" / "pybind11"


@pytest.mark.skipif(
    shutil.which("cmake") is None or shutil.which("ninja") is None,
    reason="needs cmake and ninja on PATH (CI installs both)",
)
def test_a_new_build_environment_keeps_the_compile_commands(tmp_path: Path) -> None:
    build = tmp_path / "build"
    first = configure(build, isolated_pybind11(tmp_path / "env-a"))
    header = build / "alphaforge" / "pybind11-include" / "pybind11" / "pybind11.h"
    written = os.stat(header).st_mtime_ns
    # What scikit-build-core does when the build environment's path changed.
    (build / "CMakeCache.txt").unlink()
    shutil.rmtree(build / "CMakeFiles")
    second = configure(build, isolated_pybind11(tmp_path / "env-b"))
    assert first == second
    bindings = [o for o in first if "bindings" in o]
    assert len(bindings) >= 10, sorted(first)
    assert len(first) > len(bindings)  # the core's objects are in the comparison too
    # None of the objects was where the cache clearing removes files, and no command names
    # either temporary environment.
    assert not [o for o in first if Path(o).parts[0] == "CMakeFiles"]
    assert not [c for c in first.values() if "env-a" in c]
    # The header copy was left as it was, so nothing depending on it is out of date.
    assert os.stat(header).st_mtime_ns == written
