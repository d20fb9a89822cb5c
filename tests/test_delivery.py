"""Delivery guarantees against the real eventlet server: exactly-once sends, replay after
reconnect, server-owned work that survives kill -9, tabs that agree."""
import sqlite3
import time
import uuid

import pytest
import requests

from tests.conftest import csrf_token_in, signed_in_session
from tests.realtime import Tab


def query(server, sql, *params):
    with sqlite3.connect(server.instance_dir / "dreamchat.db") as connection:
        return connection.execute(sql, params).fetchall()


@pytest.fixture
def server(start_server):
    return start_server(REPLY_DELAY_SCALE="0.1")


def test_a_retried_send_with_the_same_client_id_is_stored_and_announced_once(server):
    http = signed_in_session(server.url)
    other_tab = Tab(server.url, http).connect()
    client_id = uuid.uuid4().hex
    lost = Tab(server.url, http).connect()
    lost.client.emit("send_message", {"girl_id": "emma", "content": "did this arrive?", "client_id": client_id})
    other_tab.wait_for(lambda tab: tab.messages("user"))
    lost.disconnect()
    retry = Tab(server.url, http).connect()
    ack = retry.send("emma", "did this arrive?", client_id)
    assert ack["ok"] and ack["duplicate"] is True and ack["message"]["client_id"] == client_id
    other_tab.wait_for(lambda tab: tab.messages("girl"))
    assert len(query(server, "SELECT id FROM messages WHERE client_id = ?", client_id)) == 1
    assert len([m for m in other_tab.messages("user") if m["client_id"] == client_id]) == 1
    events = query(server, "SELECT payload_json FROM user_events WHERE name = 'message_received'")
    assert sum(client_id in payload for (payload,) in events) == 1
    for tab in (other_tab, retry):
        tab.disconnect()


def test_a_tab_offline_while_three_replies_land_gets_all_three_once_in_order(server):
    http = signed_in_session(server.url)
    away = Tab(server.url, http).connect()
    away.wait_for(lambda tab: any(name == "connected" for name, _ in tab.unsequenced))
    away.disconnect()
    active = Tab(server.url, http).connect()
    for girl in ("emma", "luna", "zoe"):
        assert active.send(girl, f"hello {girl}", uuid.uuid4().hex)["ok"]
    active.wait_for(lambda tab: len(tab.messages("girl")) == 3)

    back = Tab(server.url, http, last_seq=away.last_seq).connect()
    back.wait_for(lambda tab: tab.last_seq == active.last_seq)
    assert [seq for seq, _, _ in back.applied] == list(range(1, active.last_seq + 1))
    assert [m["id"] for m in back.messages()] == [m["id"] for m in active.messages()]
    assert len(back.messages("girl")) == 3

    assert back.send("sofia", "and now live?", uuid.uuid4().hex)["ok"]
    back.wait_for(lambda tab: len(tab.messages("girl")) == 4)
    seqs = [seq for seq, _, _ in back.applied]
    assert seqs == sorted(set(seqs)) == list(range(1, back.last_seq + 1))
    for tab in (active, back):
        tab.disconnect()


def test_replay_too_large_asks_for_a_reload(server, monkeypatch):
    http = signed_in_session(server.url)
    tab = Tab(server.url, http).connect()
    syncs = []
    tab.client.on("sync", syncs.append)
    tab.client.call("sync", {"last_seq": 0})
    tab.wait_for(lambda _: syncs)
    assert syncs[0] == {"events": [], "last_seq": 0, "reset": False}
    ahead = tab.client.call("sync", {"last_seq": 99})
    assert ahead == {"ok": True}
    tab.wait_for(lambda _: len(syncs) == 2)
    assert syncs[1]["reset"] is True
    tab.disconnect()


def test_kill_9_after_the_ack_and_before_the_reply_still_answers_once(start_server):
    server = start_server(REPLY_DELAY_SCALE="3")
    http = signed_in_session(server.url)
    tab = Tab(server.url, http).connect()
    ack = tab.send("emma", "I'm Robin and I love chess", uuid.uuid4().hex)
    assert ack["ok"]
    tab.disconnect()
    server.kill()
    assert query(server, "SELECT count(*) FROM messages WHERE sender = 'girl'") == [(0,)]

    server = server.restart(REPLY_DELAY_SCALE="0.1")
    tab = Tab(server.url, http, last_seq=tab.last_seq).connect()
    tab.wait_for(lambda t: t.messages("girl"), timeout=20)
    time.sleep(0.5)
    replies = query(server, "SELECT content FROM messages WHERE sender = 'girl'")
    assert len(replies) == 1 and "Robin" in replies[0][0]
    assert len(tab.messages("girl")) == 1
    tab.disconnect()


@pytest.mark.parametrize("async_mode", ["eventlet", "gevent"])
def test_sigterm_finishes_short_work_and_the_rest_resumes(start_server, async_mode):
    server = start_server(REPLY_DELAY_SCALE="0.3", SHUTDOWN_GRACE_SECONDS="8", ASYNC_MODE=async_mode)
    http = signed_in_session(server.url)
    tab = Tab(server.url, http).connect()
    assert tab.send("zoe", "quick question: favourite game?", uuid.uuid4().hex)["ok"]
    server.stop()
    assert server.process.returncode == 0
    assert len(query(server, "SELECT id FROM messages WHERE sender = 'girl'")) == 1
    assert "draining" in server.log()


def test_logout_in_one_tab_closes_that_logins_sockets(server):
    http = signed_in_session(server.url)
    first, second = Tab(server.url, http).connect(), Tab(server.url, http).connect()
    page = http.get(server.url + "/").text
    token = csrf_token_in(page)
    assert http.post(server.url + "/logout", data={"csrf_token": token}, timeout=5).ok
    deadline = time.monotonic() + 5
    while (first.client.connected or second.client.connected) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not first.client.connected and not second.client.connected
    assert any(name == "logged_out" for name, _ in first.unsequenced + second.unsequenced)


def test_two_tabs_agree_on_messages_reads_and_photos(server):
    http = signed_in_session(server.url)
    first, second = Tab(server.url, http).connect(), Tab(server.url, http).connect()
    assert first.send("emma", "hi from the first tab", uuid.uuid4().hex)["ok"]
    second.wait_for(lambda tab: tab.messages("girl"))
    reply = second.messages("girl")[0]
    assert second.client.call("mark_read", {"girl_id": "emma", "message_ids": [reply["id"]]})["ok"]
    photo = second.client.call("request_photo", {"girl_id": "emma", "context": "beach",
                                                 "client_id": uuid.uuid4().hex})
    assert photo["ok"]
    for tab in (first, second):
        tab.wait_for(lambda t: any(n == "photo_generated" for _, n, _ in t.applied))
    first.wait_for(lambda tab: tab.last_seq == second.last_seq)
    assert [(s, n) for s, n, _ in first.applied] == [(s, n) for s, n, _ in second.applied]
    reads = [p for _, n, p in first.applied if n == "message_read"]
    assert reply["id"] in [p["message_id"] for p in reads]
    for tab in (first, second):
        tab.disconnect()


def test_sigterm_leaves_long_work_resumable_and_it_resumes_once(start_server):
    server = start_server(REPLY_DELAY_SCALE="5", SHUTDOWN_GRACE_SECONDS="0.5")
    http = signed_in_session(server.url)
    tab = Tab(server.url, http).connect()
    assert tab.send("luna", "tell me about the stars tonight", uuid.uuid4().hex)["ok"]
    photo = tab.client.call("request_photo", {"girl_id": "luna", "context": "night sky",
                                              "client_id": uuid.uuid4().hex})
    assert photo["ok"]
    tab.disconnect()
    server.stop()
    assert server.process.returncode == 0
    assert query(server, "SELECT count(*) FROM messages WHERE sender = 'girl'") == [(0,)]
    assert query(server, "SELECT status FROM photos") == [("pending",)]

    server = server.restart(REPLY_DELAY_SCALE="0.1")
    tab = Tab(server.url, http, last_seq=tab.last_seq).connect()
    tab.wait_for(lambda t: len(t.messages("girl")) == 2)
    time.sleep(0.5)
    assert query(server, "SELECT type, count(*) FROM messages WHERE sender = 'girl' GROUP BY type "
                         "ORDER BY type") == [("photo", 1), ("text", 1)]
    tab.disconnect()
