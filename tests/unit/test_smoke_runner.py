"""packaging/build.py's runner of the smoke test's checks (a check that hangs ends), and
its choice of building or testing alone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from types import ModuleType

import pytest

from tests.helpers.packaging_scripts import packaging_script


@pytest.fixture(scope="module")
def build() -> Iterator[ModuleType]:
    """packaging/build.py."""
    with packaging_script("build") as module:
        yield module


def test_a_hung_run_ends_at_its_timeout_while_a_grandchild_holds_its_output(
    build, tmp_path, monkeypatch
):
    # As a Wine service started by the program does: the grandchild inherits stdout and
    # stderr and outlives the killed run. On Windows, subprocess.run read a pipe to its end
    # after the kill, and so waited for the grandchild.
    monkeypatch.setattr(build, "TIMEOUT", 3.0)
    script = (
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'])\n"
        "print(child.pid, flush=True)\n"
        "print('waiting', file=sys.stderr, flush=True)\n"
        "time.sleep(120)\n"
    )
    started = time.monotonic()
    with pytest.raises(subprocess.TimeoutExpired) as hang:
        build.run([sys.executable, "-c", script], tmp_path)
    seconds = time.monotonic() - started
    grandchild = int(hang.value.stdout)
    try:
        assert seconds < 60  # not the grandchild's 120 s
        assert hang.value.stderr.split() == ["waiting"]
    finally:
        os.kill(grandchild, signal.SIGTERM)


def test_a_run_returns_what_it_printed(build, tmp_path):
    script = "import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)"
    result = build.run([sys.executable, "-c", script], tmp_path)
    assert result.returncode == 3
    assert (result.stdout.split(), result.stderr.split()) == (["out"], ["err"])


@pytest.fixture
def steps(build, tmp_path, monkeypatch) -> list[str]:
    """The steps build.py's main() takes, recorded instead of taken, on a bundle of one file."""
    taken: list[str] = []
    app = tmp_path / "dist" / "imap-archiver"
    app.mkdir(parents=True)
    (app / "imap-archiver.exe").write_bytes(b"MZ")
    monkeypatch.setattr(build, "ROOT", tmp_path)
    monkeypatch.setattr(build, "APP", app)
    monkeypatch.setattr(build, "build", lambda clean: taken.append("build") or 1.0)
    monkeypatch.setattr(build, "smoke_test", lambda: taken.append("smoke test") or True)
    return taken


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ([], ["build", "smoke test"]),
        (["--smoke-only"], ["smoke test"]),
        # CI's Windows stage: the MSI test runs the smoke test on the installed copy.
        (["--build-only"], ["build"]),
    ],
)
def test_main_builds_and_tests_as_asked(build, steps, monkeypatch, capsys, options, expected):
    monkeypatch.setattr(sys, "argv", ["build.py", *options])
    assert build.main() == 0
    assert steps == expected
    assert "1 files" in capsys.readouterr().out  # the bundle's size, in every case


def test_building_only_and_testing_only_exclude_each_other(build, steps, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["build.py", "--build-only", "--smoke-only"])
    with pytest.raises(SystemExit) as usage:
        build.main()
    assert usage.value.code == 2
    assert steps == []
