"""The example application (examples/foundry_app) as a real server beside `live_server`.

It runs in a process of its own (it is a Django project of its own), against a SQLite file under
the test's tmp_path, registered at the provider under test with the port it will listen on.
People use it through `AppBrowser`: a requests session that follows redirects between the two
servers and fills the portal's sign-in form, as a browser would.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import requests

from single_sign_on.services import Registered, register_application
from tests.factories import PASSWORD

EXAMPLE_APP_DIR = Path(__file__).resolve().parents[2] / "examples" / "foundry_app"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ExampleApp:
    url: str
    registered: Registered
    log: Path

    def browser(self) -> AppBrowser:
        return AppBrowser(self)


@contextmanager
def running_example_app(
    portal_url: str,
    tmp_path: Path,
    *,
    name: str = "Foundry",
    backchannel: bool = True,
    renew_seconds: int = 300,
) -> Iterator[ExampleApp]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    registered = register_application(
        name,
        [f"{url}/oidc/callback/"],
        post_logout_redirect_uris=[f"{url}/"],
        backchannel_logout_uri=f"{url}/backchannel-logout/" if backchannel else "",
    )
    env = {
        **os.environ,
        "FOUNDRY_APP_ISSUER": f"{portal_url}/o",
        "FOUNDRY_APP_CLIENT_ID": registered.application.client_id,
        "FOUNDRY_APP_CLIENT_SECRET": registered.client_secret or "",
        "FOUNDRY_APP_DATABASE_URL": f"sqlite:///{tmp_path / 'example-app.sqlite3'}",
        "FOUNDRY_APP_RENEW_SECONDS": str(renew_seconds),
        "DJANGO_SETTINGS_MODULE": "foundry_app.settings",
    }
    log = tmp_path / "example-app.log"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=EXAMPLE_APP_DIR,
        env=env,
        check=True,
        timeout=60,
    )
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=EXAMPLE_APP_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_up(url, process, log)
        yield ExampleApp(url, registered, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the example app exited:\n{log.read_text()}")
        try:
            requests.get(f"{url}/session-status/", timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError(f"the example app did not start:\n{log.read_text()}")


class AppBrowser:
    """One person's browser: cookies for both servers, redirects followed."""

    def __init__(self, app: ExampleApp) -> None:
        self.app = app
        self.session = requests.Session()

    def sign_in(self, email: str, password: str = PASSWORD) -> requests.Response:
        """Open the app's sign-in, fill the portal's form: the page the browser ends on."""
        page = self.session.get(f"{self.app.url}/oidc/authenticate/?next=/workspace/", timeout=10)
        assert "/accounts/login/" in page.url, (page.url, page.text[:300])
        return self.session.post(
            page.url.split("?", 1)[0],
            data={
                "csrfmiddlewaretoken": _field(page.text, "csrfmiddlewaretoken"),
                "next": _field(page.text, "next"),
                "username": email,
                "password": password,
            },
            headers={"Referer": page.url},
            timeout=10,
        )

    def signed_in(self) -> bool:
        return bool(
            self.session.get(f"{self.app.url}/session-status/", timeout=10).json()["signed_in"]
        )

    def get(self, path: str) -> requests.Response:
        return self.session.get(f"{self.app.url}{path}", timeout=10)

    def log_out(self) -> requests.Response:
        """The app's Log out button (a POST with the app's CSRF token)."""
        work = self.get("/workspace/")
        return self.session.post(
            f"{self.app.url}/oidc/logout/",
            data={"csrfmiddlewaretoken": _field(work.text, "csrfmiddlewaretoken")},
            headers={"Referer": work.url},
            timeout=10,
        )


def _field(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no {name} field in the page"
    return unescape(found.group(1))
