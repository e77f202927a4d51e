"""The HTML report in a real browser: headless Chromium must load it without an error."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from django_remodel.report import _common, html


def find_chromium() -> str | None:
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


@pytest.fixture(scope="module")
def chromium() -> str:
    path = find_chromium()
    if path is None:
        message = (
            "Chromium is needed to check the HTML report in a browser; "
            "install Debian's chromium: apt-get install -y chromium"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def run_chromium(chromium: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    return subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def console_errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "Uncaught" in line or "ERROR:CONSOLE" in line]


@pytest.fixture(scope="module")
def page(report, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("html") / "audit.html"
    path.write_text(html.render(report), encoding="utf-8")
    return path


def test_dom_has_the_diagram(chromium, page, tmp_path, graph):
    result = run_chromium(chromium, tmp_path, "--dump-dom", page.as_uri())
    assert result.returncode == 0, result.stderr[-3000:]
    dom = result.stdout
    assert "<svg" in dom
    assert dom.count('class="rm-box"') == len(_common.diagram_models(graph))
    assert 'id="rm-model-legacy-AppUser"' in dom
    assert "Duplicate groups" in dom
    assert console_errors(result.stderr) == []


def test_screenshot(chromium, page, tmp_path):
    shot = tmp_path / "shot.png"
    result = run_chromium(
        chromium, tmp_path, f"--screenshot={shot}", "--window-size=1400,1000", page.as_uri()
    )
    assert result.returncode == 0, result.stderr[-3000:]
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 20_000  # a page with content, not a blank one
    assert console_errors(result.stderr) == []
