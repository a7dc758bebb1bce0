"""Without Chromium, browser tests skip with one line saying what is missing; with
FOUNDRY_REQUIRE_SERVICES=1 (CI's full run) the same reason fails them."""

import pytest

from .. import conftest


class Marked:
    """The part of a pytest item `_missing_service` reads: its markers."""

    def __init__(self, *markers: str) -> None:
        self.markers = set(markers)

    def get_closest_marker(self, name: str):
        return name if name in self.markers else None


def test_a_browser_test_without_chromium_names_what_is_missing(monkeypatch, tmp_path):
    missing = tmp_path / "chromium"
    monkeypatch.setattr(conftest, "CHROMIUM", str(missing))

    reason = conftest._missing_service(Marked("browser"))

    assert reason == (
        f"needs Chromium: none at {missing}; install it (apt-get install chromium) "
        "or set CHROMIUM_PATH"
    )
    assert "\n" not in reason


def test_a_file_that_cannot_run_is_no_chromium(monkeypatch, tmp_path):
    not_a_program = tmp_path / "chromium"
    not_a_program.write_text("")
    not_a_program.chmod(0o644)
    monkeypatch.setattr(conftest, "CHROMIUM", str(not_a_program))

    assert conftest._missing_service(Marked("browser")) is not None


def test_a_browser_test_with_chromium_runs(monkeypatch, tmp_path):
    chromium = tmp_path / "chromium"
    chromium.write_text("#!/bin/sh\n")
    chromium.chmod(0o755)
    monkeypatch.setattr(conftest, "CHROMIUM", str(chromium))

    assert conftest._missing_service(Marked("browser")) is None


def test_tests_that_drive_no_browser_do_not_need_chromium(monkeypatch, tmp_path):
    monkeypatch.setattr(conftest, "CHROMIUM", str(tmp_path / "chromium"))

    assert conftest._missing_service(Marked()) is None


@pytest.mark.parametrize("required", [False, True])
def test_the_missing_browser_skips_or_fails_as_the_run_requires(monkeypatch, tmp_path, required):
    monkeypatch.setattr(conftest, "CHROMIUM", str(tmp_path / "chromium"))
    monkeypatch.setattr(conftest, "REQUIRE_SERVICES", required)
    expected = pytest.fail.Exception if required else pytest.skip.Exception

    with pytest.raises(expected) as raised:
        conftest.pytest_runtest_setup(Marked("browser"))

    assert "needs Chromium" in str(raised.value)
    assert ("FOUNDRY_REQUIRE_SERVICES=1" in str(raised.value)) is required
