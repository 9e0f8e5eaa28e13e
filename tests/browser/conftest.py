"""Browser tests: Debian's headless Chromium against the real ASGI application.

``live_server_url`` (tests/conftest.py) serves ``config.asgi.application``. ``browser`` is
Chromium through chromedriver with every request that is not to a loopback address sent
to a proxy that refuses it (``blocked_requests`` lists them; Chromium itself calls home
too); ``page_requests()`` lists every address the page asked for (documents, assets,
fetches, WebSockets), read from Chromium's DevTools log: the page must work with no
network but this machine, and ask for nothing else.

Chromium and chromedriver come from Debian (``make system-packages``); without them these
tests are skipped, except in CI (``CI`` set), where that is a failure.
"""

import json
import os
import shutil
import socketserver
import threading
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SCREENSHOTS = Path(os.environ.get("BROWSER_SCREENSHOTS", "var/screenshots"))


class _Refuse(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        line = self.rfile.readline(4096).decode("latin-1").strip()
        if line:
            self.server.seen.append(line)
        self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")


class _RefusingProxy(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Refuse)
        self.seen: list[str] = []


@pytest.fixture(scope="session")
def _refusing_proxy():
    proxy = _RefusingProxy()
    thread = threading.Thread(target=proxy.serve_forever, name="refusing-proxy", daemon=True)
    thread.start()
    yield proxy
    proxy.shutdown()
    proxy.server_close()


@pytest.fixture
def blocked_requests(_refusing_proxy) -> list[str]:
    """Request lines (``CONNECT host:443 HTTP/1.1``, ``GET http://…``) the browser tried to
    send off this machine during the test, all refused."""
    _refusing_proxy.seen.clear()
    return _refusing_proxy.seen


@pytest.fixture(scope="session")
def _chromium(_refusing_proxy):
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        message = "chromium and chromium-driver are not installed (make system-packages)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must download nothing
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        # Chromium's own calls home (form autofill hints), so that what is refused is the page's.
        "--disable-features=AutofillServerCommunication,OptimizationHints,MediaRouter",
        "--window-size=1400,900",
        # Everything but loopback (which Chromium never proxies) goes to the refusing proxy;
        # no name but localhost resolves.
        f"--proxy-server=http://127.0.0.1:{_refusing_proxy.server_address[1]}",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def _page_requests(driver) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
        elif message["method"] == "Network.webSocketCreated":
            urls.append(message["params"]["url"])
    return urls


@pytest.fixture
def page_requests(browser):
    """A function: the addresses the page asked for since the test began, in order."""
    seen: list[str] = []

    def requests() -> list[str]:
        seen.extend(_page_requests(browser))
        return list(seen)

    return requests


@pytest.fixture
def browser(_chromium, live_server_url, blocked_requests, request):
    """The shared Chromium, on a blank page; a screenshot of the test's last page is left
    in var/screenshots/<test name>.png."""
    _chromium.delete_all_cookies()
    _page_requests(_chromium)  # forget earlier tests' requests
    yield _chromium
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    _chromium.save_screenshot(str(SCREENSHOTS / f"{request.node.name}.png"))
    _chromium.execute_script("window.localStorage.clear()")  # GraphiQL keeps its tabs there
    _chromium.get("about:blank")
