"""Three DreamChat processes on PostgreSQL and Redis behind a real nginx (deploy/nginx.conf, started by
scripts/cluster.py): tabs of one user on different processes agree, limits hold across processes, a
rolling restart loses and doubles nothing, and websocket-only mode needs no stickiness (the chat page
in Chromium then never falls back to long-polling; that test is also marked `browser`).

Needs /usr/sbin/nginx (`make test` installs it: scripts/install-nginx), PostgreSQL on 127.0.0.1:5432
and Redis on 127.0.0.1:6379; without them these tests are skipped and say why.

Tabs connect from different loopback addresses (127.0.N.1): nginx's ip_hash keys on the client's /24,
so each address is another client to it, as different users' networks would be. Which process a tab's
websocket reached is in the `X-Upstream` header nginx adds to the handshake.
"""
from __future__ import annotations

import sys
import time
import uuid

import pytest
import requests
from requests.adapters import HTTPAdapter

from tests.conftest import PASSWORD, ROOT, TEST_RUN_KEY_PREFIX, csrf_token_in, signed_in_session

sys.path.insert(0, str(ROOT / "scripts"))
import cluster as cluster_script  # noqa: E402  (scripts/cluster.py)

pytestmark = pytest.mark.live  # server processes, nginx and the machine's PostgreSQL and Redis

RATE_LIMIT_MESSAGES = 3
CLUSTER_ENV = {
    "REPLY_DELAY_SCALE": "0.05",
    "RATE_LIMIT_MESSAGES": str(RATE_LIMIT_MESSAGES),
    "RATE_LIMIT_WINDOW_SECONDS": "60",
    "RATE_LIMIT_SIGNUPS": "0",   # every user of these tests signs up from 127.0.0.1
    "RATE_LIMIT_LOGINS": "3",
    "SHUTDOWN_GRACE_SECONDS": "5",
    "LOG_LEVEL": "INFO",
}


def start(websocket_only: bool = False) -> "cluster_script.Cluster":
    missing = cluster_script.missing_requirements()
    if missing:
        pytest.skip("the cluster tests need " + ", ".join(missing))
    # Limits kept in Redis are this cluster's own (a fresh key prefix).
    env = {**CLUSTER_ENV, "RATE_LIMIT_KEY_PREFIX": f"{TEST_RUN_KEY_PREFIX}-{uuid.uuid4().hex[:8]}"}
    return cluster_script.start_cluster(3, websocket_only=websocket_only, env=env)


@pytest.fixture(scope="module")
def cluster():
    """3 processes, ip_hash (long-polling allowed), shared by this module's tests."""
    running = start()
    yield running
    running.stop()


def ClusterTab(*args, **kwargs):
    return cluster_script.tab_class()(*args, **kwargs)


def tabs_on_distinct_processes(cluster, http, count: int, **tab_options) -> list:
    """`count` tabs of the user of `http`, each on another process: connect from one loopback address
    after another (ip_hash sends each /24 to one process) until `count` processes are covered."""
    tabs, seen = [], set()
    for n in range(40):
        tab = ClusterTab(cluster.url, http, source_address=cluster_script.loopback_address(n), **tab_options).connect()
        backend = cluster.backend_index(tab.upstream)
        assert backend is not None, f"no X-Upstream on the websocket handshake: {tab.upstreams}"
        if backend in seen:
            tab.disconnect()
            continue
        seen.add(backend)
        tab.backend = backend
        tabs.append(tab)
        if len(tabs) == count:
            return tabs
    raise AssertionError(f"ip_hash put 40 client networks on only {sorted(seen)}")


def history(tab) -> list[tuple[int, str]]:
    return [(seq, name) for seq, name, _ in tab.applied]


def test_two_tabs_on_different_processes_see_the_same_events_in_the_same_order(cluster):
    http = signed_in_session(cluster.url)
    first, second = tabs_on_distinct_processes(cluster, http, 2)
    assert first.backend != second.backend

    ack = first.send("emma", "Hi, I'm Sam, writing through nginx", uuid.uuid4().hex)
    assert ack["ok"], ack
    # The second tab (another process) gets the message live through Redis, then the reply.
    for tab in (first, second):
        tab.wait_for(lambda t: t.messages("girl"), timeout=20)
    first.wait_for(lambda t: t.last_seq == second.last_seq, timeout=10)
    second.wait_for(lambda t: t.last_seq == first.last_seq, timeout=10)
    assert history(first) == history(second)
    assert [m["id"] for m in first.messages()] == [m["id"] for m in second.messages()]
    user_messages = second.messages("user")
    assert [m["id"] for m in user_messages] == [ack["message"]["id"]]
    reply = second.messages("girl")
    assert len(reply) == 1 and "Sam" in reply[0]["content"]
    # Applied in seq order, each once: no gap, nothing twice.
    assert [seq for seq, _ in history(second)] == list(range(1, second.last_seq + 1))
    for tab in (first, second):
        tab.disconnect()


def test_the_message_rate_limit_holds_across_processes(cluster):
    http = signed_in_session(cluster.url)
    tabs = tabs_on_distinct_processes(cluster, http, 3)
    acks = []
    for number in range(RATE_LIMIT_MESSAGES + 2):
        tab = tabs[number % 3]  # every send on another process
        acks.append(tab.send("luna", f"message {number}", uuid.uuid4().hex))
    assert [a["ok"] for a in acks] == [True] * RATE_LIMIT_MESSAGES + [False, False], acks
    assert all(a["error"]["code"] == "rate_limited" for a in acks[RATE_LIMIT_MESSAGES:])
    for tab in tabs:
        tab.disconnect()


def test_rolling_restart_a_tab_moves_to_another_process_and_misses_nothing(cluster):
    http = signed_in_session(cluster.url)
    moving, staying = tabs_on_distinct_processes(cluster, http, 2, reconnection=True)
    restarted = moving.backend

    ack = staying.send("sofia", "Hello before the restart", uuid.uuid4().hex)
    assert ack["ok"]
    for tab in (moving, staying):
        tab.wait_for(lambda t: t.messages("girl"), timeout=20)

    # SIGTERM: the process drains and exits; its tab loses its websocket.
    cluster.terminate(restarted, wait=False)
    deadline = time.monotonic() + 20
    while cluster.backends[restarted].alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not cluster.backends[restarted].alive(), "the process did not drain and exit on SIGTERM"
    seq_when_cut = moving.last_seq

    # Meanwhile the other tab sends; its reply is written and stored while the first tab is away.
    missed = staying.send("sofia", "Sent while the other tab was moving", uuid.uuid4().hex)
    assert missed["ok"], missed
    staying.wait_for(lambda t: len(t.messages("girl")) == 2, timeout=20)

    # python-socketio reconnects through nginx (the stopped process refuses; ip_hash takes the next
    # one) with its last seq, and the sync replays what it missed.
    moving.wait_for(lambda t: t.client.connected and t.last_seq >= staying.last_seq, timeout=30)
    assert len(moving.upstreams) >= 2
    assert cluster.backend_index(moving.upstream) != restarted
    assert moving.last_seq > seq_when_cut
    assert history(moving) == history(staying)
    ids = [m["id"] for m in moving.messages()]
    assert len(ids) == len(set(ids)) == 4  # two messages, two replies: nothing lost, nothing doubled
    assert missed["message"]["id"] in ids
    assert [seq for seq, _ in history(moving)] == list(range(1, moving.last_seq + 1))
    for tab in (moving, staying):
        tab.disconnect()
    cluster.start_process(restarted)  # back to three for the next test
    assert requests.get(cluster.backends[restarted].url + "/healthz", timeout=5).ok


def session_from(address: str) -> requests.Session:
    """A requests session whose connections come from `address` (a loopback address)."""
    class SourceAdapter(HTTPAdapter):
        def init_poolmanager(self, *args, **kwargs):
            kwargs["source_address"] = (address, 0)
            super().init_poolmanager(*args, **kwargs)

    http = requests.Session()
    http.mount("http://", SourceAdapter())
    return http


def test_nginx_passes_the_client_address_so_sign_in_limits_count_per_client(cluster):
    # TRUSTED_PROXIES=1: each process takes the client's address from nginx's X-Forwarded-For.
    def wrong_logins(address: str, count: int) -> list[int]:
        http = session_from(address)
        codes = []
        for _ in range(count):
            token = csrf_token_in(http.get(cluster.url + "/login", timeout=5).text)
            codes.append(http.post(cluster.url + "/login", timeout=5, allow_redirects=False, data={
                "csrf_token": token, "username": "u" + uuid.uuid4().hex[:10], "password": PASSWORD}).status_code)
        return codes

    limited = wrong_logins(cluster_script.loopback_address(101), 4)
    assert limited == [401, 401, 401, 429], limited
    # Another client address (another /24, maybe another process) has its own count.
    assert 429 not in wrong_logins(cluster_script.loopback_address(102), 1)


@pytest.fixture(scope="module")
def websocket_only_cluster():
    """3 processes with SOCKETIO_TRANSPORTS=websocket behind round-robin nginx (no ip_hash)."""
    running = start(websocket_only=True)
    yield running
    running.stop()


def test_websocket_only_needs_no_stickiness(websocket_only_cluster):
    running = websocket_only_cluster
    # Long-polling is refused; the page tells the socket.io client to use websockets only.
    polling = requests.get(running.url + "/socket.io/?EIO=4&transport=polling", timeout=5)
    assert polling.status_code == 400
    http = signed_in_session(running.url)
    page = http.get(running.url + "/chat/emma", timeout=5)
    assert page.ok and 'data-transports="websocket"' in page.text

    # Round-robin, no ip_hash: tabs from one address spread over the processes.
    tabs = [ClusterTab(running.url, http).connect() for _ in range(3)]
    backends = [running.backend_index(tab.upstream) for tab in tabs]
    assert None not in backends and len(set(backends)) >= 2, backends

    ack = tabs[0].send("zoe", "Hello over websockets only, I'm Kim", uuid.uuid4().hex)
    assert ack["ok"]
    for tab in tabs:
        tab.wait_for(lambda t: t.messages("girl"), timeout=20)
    for tab in tabs:
        tab.wait_for(lambda t: t.last_seq == max(other.last_seq for other in tabs), timeout=10)
    assert history(tabs[0]) == history(tabs[1]) == history(tabs[2])
    for tab in tabs:
        tab.disconnect()


BLOCK_WEBSOCKETS = """(() => {
    const Native = window.WebSocket;
    function Blocked(url, protocols) { return new Native("ws://127.0.0.1:9/blocked", protocols); }
    Blocked.prototype = Native.prototype;
    Object.assign(Blocked, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
    window.WebSocket = Blocked;
})();"""


@pytest.mark.browser
def test_the_chat_page_uses_the_transports_the_server_accepts(websocket_only_cluster, cluster):
    """The page reads SOCKETIO_TRANSPORTS from the chat page: websocket-only, it never tries long-polling,
    even when its websocket fails (by default it falls back to polling). Through nginx, the page's
    Origin matches the Host nginx passes on."""
    from tests.browser_support import CHROMIUM, CHROMIUM_ARGS

    if not CHROMIUM.exists():
        pytest.skip("needs Chromium at /usr/bin/chromium (run scripts/install-browser)")
    from playwright.sync_api import expect, sync_playwright

    def open_chat(browser, server_url: str, block_websockets: bool = False):
        http = signed_in_session(server_url)
        context = browser.new_context()
        context.set_default_timeout(20_000)
        context.add_cookies([{"name": name, "value": value, "url": server_url} for name, value in http.cookies.items()])
        page = context.new_page()
        page.polling = []
        page.websockets = []
        page.on("request", lambda request: page.polling.append(request.url)
                if "/socket.io/" in request.url else None)  # HTTP requests to engine.io: long-polling
        page.on("websocket", lambda websocket: page.websockets.append(websocket.url))
        if block_websockets:  # as a network that blocks websockets: each one fails before it opens
            page.add_init_script(script=BLOCK_WEBSOCKETS)
        page.goto(server_url + "/chat/luna")
        return page

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = open_chat(browser, websocket_only_cluster.url)
            expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected")
            page.fill("#message-input", "Hello from a browser, websockets only")
            page.keyboard.press("Enter")
            expect(page.locator('.message[data-sender="girl"]')).to_have_count(1)
            assert page.polling == []
            assert page.websockets and all("transport=websocket" in url for url in page.websockets)

            # Websockets blocked: websocket-only, the page keeps trying websockets and never polls ...
            blocked = open_chat(browser, websocket_only_cluster.url, block_websockets=True)
            blocked.wait_for_timeout(4000)
            assert blocked.polling == []
            # ... while by default it falls back to long-polling (ip_hash keeps its requests together).
            fallback = open_chat(browser, cluster.url, block_websockets=True)
            expect(fallback.locator("#connection-status")).to_have_attribute("data-state", "connected")
            assert fallback.polling and all("transport=polling" in url for url in fallback.polling)
        finally:
            browser.close()


def test_default_transports_stay_polling_and_websocket(cluster):
    polling = requests.get(cluster.url + "/socket.io/?EIO=4&transport=polling", timeout=5)
    assert polling.status_code == 200 and '"upgrades":["websocket"]' in polling.text
    http = signed_in_session(cluster.url)
    page = http.get(cluster.url + "/chat/emma", timeout=5)
    assert 'data-transports="polling,websocket"' in page.text
