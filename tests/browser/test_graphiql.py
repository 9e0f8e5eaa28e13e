"""GraphiQL at /graphql in headless Chromium with no network but loopback."""

import json
from urllib.parse import quote

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.factories import ListingFactory

pytestmark = pytest.mark.django_db(transaction=True)

RESULT = "return document.querySelector('.result-window .CodeMirror')?.CodeMirror.getValue()"


def open_graphiql(browser, live_server_url: str, query: str) -> None:
    browser.get(f"{live_server_url}/graphql?q={quote(query)}")
    WebDriverWait(browser, 20).until(
        lambda b: b.find_elements(By.CSS_SELECTOR, ".graphiql-execute-button")
    )


def run_and_wait(browser, until, timeout: float = 15) -> dict:
    browser.find_element(By.CSS_SELECTOR, ".graphiql-execute-button").click()
    seen = {}

    def answered(b):
        text = b.execute_script(RESULT) or ""
        try:
            seen["result"] = json.loads(text)
        except ValueError:
            return False
        return until(seen["result"])

    WebDriverWait(browser, timeout).until(answered)
    return seen["result"]


def only_this_server(urls: list[str], live_server_url: str) -> bool:
    websocket = live_server_url.replace("http://", "ws://", 1)
    return bool(urls) and all(
        url.startswith((live_server_url + "/", websocket + "/", "data:")) for url in urls
    )


def test_graphiql_answers_a_query_with_no_network_but_loopback(
    browser, live_server_url, page_requests
):
    listing = ListingFactory(title="一种钠离子电池正极材料")
    query = "{ listings(first: 5) { totalCount edges { node { title } } } }"
    open_graphiql(browser, live_server_url, query)

    result = run_and_wait(browser, lambda r: "data" in r or "errors" in r)

    assert result == {
        "data": {"listings": {"totalCount": 1, "edges": [{"node": {"title": listing.title}}]}}
    }
    requests = page_requests()
    assert f"{live_server_url}/graphiql/graphiql@3.8.3/graphiql.min.js" in requests
    assert only_this_server(requests, live_server_url), requests


def test_graphiql_shows_a_live_subscription_over_graphql_transport_ws(
    browser, live_server_url, page_requests
):
    open_graphiql(browser, live_server_url, "subscription { serverTime }")

    first = run_and_wait(browser, lambda r: "serverTime" in r.get("data", {}))
    later = WebDriverWait(browser, 10).until(
        lambda b: (value := json.loads(b.execute_script(RESULT) or "{}")) != first and value
    )

    assert first["data"]["serverTime"] < later["data"]["serverTime"]
    requests = page_requests()
    assert f"{live_server_url.replace('http', 'ws', 1)}/graphql" in requests
    assert only_this_server(requests, live_server_url), requests
