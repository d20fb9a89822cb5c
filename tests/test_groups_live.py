"""Group chats on the real server: kill -9 between the ack and the replies, restart, each reply exactly once."""
import re
import sqlite3
import time
import uuid

from tests.conftest import csrf_token_in, signed_in_session
from tests.test_production_server import connect, wait_until


def replies_of(database, turn_id):
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT companion_id, turn_index FROM group_messages WHERE turn_id = ? "
                                  "AND turn_index IS NOT NULL ORDER BY id", (turn_id,)).fetchall()


def answered(database, message_id):
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT answered_at IS NOT NULL FROM group_messages WHERE id = ?",
                                  (message_id,)).fetchone()[0]


def test_a_turn_killed_before_and_between_its_replies_is_finished_once_after_a_restart(start_server):
    server = start_server(REPLY_DELAY_SCALE="1")
    database = server.instance_dir / "dreamchat.db"
    with sqlite3.connect(database) as connection:
        ids = dict(connection.execute("SELECT slug, id FROM companions").fetchall())
    http = signed_in_session(server.url)
    page = http.get(server.url + "/groups/new", timeout=5).text
    created = http.post(server.url + "/groups/new", data={
        "csrf_token": csrf_token_in(page), "name": "Night owls", "companions": [ids["emma"], ids["luna"]]},
        allow_redirects=False, timeout=5)
    assert created.status_code == 302, created.text[:300]
    group_id = int(re.search(r"/groups/(\d+)", created.headers["Location"]).group(1))

    # Killed right after the ack: no reply was written yet.
    client, _ = connect(server, http)
    ack = client.call("send_group_message", {"group_id": group_id, "content": "Emma and Luna, how are you both?",
                                             "client_id": uuid.uuid4().hex}, timeout=5)
    assert ack["ok"]
    server.kill()
    first_turn = ack["message"]["id"]
    assert replies_of(database, first_turn) == [] and not answered(database, first_turn)
    server.restart()
    wait_until(lambda: answered(database, first_turn), timeout=40)
    assert replies_of(database, first_turn) == [(ids["emma"], 0), (ids["luna"], 1)]

    # Killed between the first reply and the second.
    client, received = connect(server, http)
    ack = client.call("send_group_message", {"group_id": group_id, "content": "Luna and Emma, any plans tonight?",
                                             "client_id": uuid.uuid4().hex}, timeout=5)
    second_turn = ack["message"]["id"]
    wait_until(lambda: any(name == "group_message_received" and data["message"]["sender"] == "girl"
                           for name, data in received), timeout=30)
    server.kill()
    assert replies_of(database, second_turn) == [(ids["luna"], 0)] and not answered(database, second_turn)
    server.restart()
    wait_until(lambda: answered(database, second_turn), timeout=40)
    time.sleep(2)  # nothing more comes
    assert replies_of(database, second_turn) == [(ids["luna"], 0), (ids["emma"], 1)]
    assert replies_of(database, first_turn) == [(ids["emma"], 0), (ids["luna"], 1)]
    assert "Traceback" not in server.log()

    # The page shows each reply once, with its author.
    page = http.get(f"{server.url}/groups/{group_id}", timeout=5).text
    assert page.count('class="message__author"') == 4
