"""The companion writes first, on real servers: the due time is in the database, so a restarted
process writes it; with two processes on PostgreSQL + Redis both check and exactly one writes it."""
import time
import uuid

import pytest
import sqlalchemy as sa

from tests.conftest import signed_in_session
from tests.realtime import Tab
from tests.test_scale_out import postgres_url, redis_url  # noqa: F401 - fixtures

pytestmark = pytest.mark.live

SETTINGS = {"PROACTIVE_NIGHT": "", "PROACTIVE_CHECK_SECONDS": "0.3", "REPLY_DELAY_SCALE": "0"}


def first_messages(tab: Tab) -> list[dict]:
    return [m for m in tab.messages("girl") if m.get("proactive")]


def chat_and_opt_in(tab: Tab, girl_id: str) -> None:
    assert tab.send(girl_id, "I'm going to the cinema tonight", uuid.uuid4().hex)["ok"]
    tab.wait_for(lambda t: any(m["girl_id"] == girl_id for m in t.messages("girl")))
    ack = tab.client.call("set_proactive", {"girl_id": girl_id, "enabled": True}, timeout=10)
    assert ack["ok"] and ack["enabled"] is True


def history(server, http, girl_id: str) -> list[dict]:
    response = http.get(f"{server.url}/api/conversations/{girl_id}/messages?limit=100", timeout=5)
    assert response.ok
    return response.json()["messages"]


def test_a_first_message_due_while_the_server_was_down_is_written_once_after_the_restart(start_server):
    server = start_server(PROACTIVE_AFTER_HOURS="0.001", **SETTINGS)  # 3.6 s of quiet
    http = signed_in_session(server.url)
    tab = Tab(server.url, http).connect()
    chat_and_opt_in(tab, "emma")
    tab.disconnect()
    assert not [m for m in history(server, http, "emma") if m.get("proactive")]
    server.stop()
    time.sleep(4)  # the quiet period ends while no process runs
    server.restart()
    again = Tab(server.url, http).connect()  # replays everything from seq 0
    again.wait_for(lambda t: first_messages(t), timeout=15)
    time.sleep(1.5)  # several more checks
    stored = [m for m in history(server, http, "emma") if m.get("proactive")]
    assert len(stored) == 1 and stored[0]["id"] == first_messages(again)[0]["id"]
    assert "Traceback" not in server.log()
    again.disconnect()


def test_two_processes_both_checking_write_each_first_message_once(postgres_url, redis_url,  # noqa: F811
                                                                   start_server):
    settings = {"DATABASE_URL": postgres_url, "SOCKETIO_MESSAGE_QUEUE": redis_url,
                "PROACTIVE_AFTER_HOURS": "0.0005", "PROACTIVE_CHECK_SECONDS": "0.1", **SETTINGS}
    first, second = start_server(**settings), start_server(**settings)
    http = signed_in_session(first.url)
    on_first, on_second = Tab(first.url, http).connect(), Tab(second.url, http).connect()
    girls = ("emma", "luna", "sofia")
    for girl_id in girls:
        chat_and_opt_in(on_first, girl_id)
    on_second.wait_for(lambda t: {m["girl_id"] for m in first_messages(t)} == set(girls), timeout=30)
    time.sleep(2)  # twenty more checks in each process
    engine = sa.create_engine(postgres_url.replace("postgres://", "postgresql://"))
    with engine.connect() as connection:
        written = connection.execute(sa.text(
            "SELECT companion_id, count(*) FROM messages WHERE proactive GROUP BY companion_id")).all()
    engine.dispose()
    assert len(written) == 3 and all(count == 1 for _, count in written), written
    assert len(first_messages(on_second)) == 3 and len(first_messages(on_first)) == 3
    assert "Traceback" not in first.log() + second.log()
    on_first.disconnect()
    on_second.disconnect()
