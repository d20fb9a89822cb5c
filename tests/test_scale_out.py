"""Several processes behind one address: PostgreSQL for the data, Redis as the Socket.IO message
queue. Needs the PostgreSQL (127.0.0.1:5432, database `test`) and Redis (127.0.0.1:6379) of the
machine; without them these tests are skipped and say why."""
import socket
import time
import uuid

import pytest
import requests
import sqlalchemy as sa

from tests.conftest import signed_in_session
from tests.realtime import Tab

pytestmark = pytest.mark.live  # server processes and the machine's PostgreSQL and Redis

POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/0"


def reachable(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def postgres_url():
    if not reachable(5432):
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432 (start it to test the multi-process setup)")
    name = f"dreamchat_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield f"postgres://postgres@127.0.0.1:5432/{name}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def redis_url():
    if not reachable(6379):
        pytest.skip("Redis is not running on 127.0.0.1:6379 (start it to test the message queue)")
    return REDIS_URL


def test_two_processes_share_postgres_and_redis(postgres_url, redis_url, start_server):
    settings = {"DATABASE_URL": postgres_url, "SOCKETIO_MESSAGE_QUEUE": redis_url, "REPLY_DELAY_SCALE": "0.1"}
    first = start_server(**settings)
    second = start_server(**settings)
    http = signed_in_session(first.url)
    on_first = Tab(first.url, http).connect()
    on_second = Tab(second.url, http).connect()
    ack = on_first.send("emma", "Hello from the first dyno, I'm Sam", uuid.uuid4().hex)
    assert ack["ok"]
    on_second.wait_for(lambda tab: tab.messages("girl"))
    assert [m["id"] for m in on_second.messages()] == [ack["message"]["id"], on_second.messages("girl")[0]["id"]]
    assert "Sam" in on_second.messages("girl")[0]["content"]

    photo = on_second.client.call("request_photo", {"girl_id": "emma", "client_id": uuid.uuid4().hex})
    assert photo["ok"]
    on_first.wait_for(lambda tab: any(n == "photo_generated" for _, n, _ in tab.applied))
    url = [p for _, n, p in on_first.applied if n == "photo_generated"][0]["photo_url"]
    assert http.get(second.url + url, timeout=5).status_code == 200
    assert http.get(first.url + url, timeout=5).status_code == 200
    on_first.wait_for(lambda tab: tab.last_seq == on_second.last_seq)
    assert [(s, n) for s, n, _ in on_first.applied] == [(s, n) for s, n, _ in on_second.applied]
    for tab in (on_first, on_second):
        tab.disconnect()


def test_migrations_run_on_postgres_and_match_the_models(postgres_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from flask_migrate import upgrade

    from dreamchat import create_app
    from dreamchat.config import TestConfig
    from dreamchat.extensions import db
    from tests.conftest import ROOT

    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = postgres_url.replace("postgres://", "postgresql://")
    app = create_app(config)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        with db.engine.connect() as connection:
            from tests.test_migrations import not_the_search_index
            context = MigrationContext.configure(connection, opts={"include_name": not_the_search_index})
            differences = compare_metadata(context, db.metadata)
        assert differences == []
        assert db.session.scalar(sa.text("SELECT count(*) FROM companions")) == 4
        db.session.remove()
        db.engine.dispose()


def test_three_processes_a_reply_is_written_once_while_its_process_is_killed_mid_stream(
        postgres_url, redis_url, start_server, fake_openai):
    """Process 1 streams a reply and is killed with kill -9; once its claim lapses (3 s) one of the two
    others takes the conversation over: the model is asked once more (not twice), one reply is stored,
    the half-written stream is gone, and process 1 started again writes nothing more."""
    from tests.fake_openai import reply

    fake_openai.script(reply("I was saying something long and slow " * 4, deltas=40, chunk_delay=0.25),
                       reply("Sorry, where were we? Tell me more."))
    settings = {"DATABASE_URL": postgres_url, "SOCKETIO_MESSAGE_QUEUE": redis_url, "REPLY_DELAY_SCALE": "0",
                "AI_PROVIDER": "openai", "AI_BASE_URL": fake_openai.base_url, "AI_API_KEY": "test",
                "AI_MODEL": "fake", "WORK_LEASE_SECONDS": "3", "WORK_SWEEP_SECONDS": "0.5"}
    first, second, third = (start_server(**settings) for _ in range(3))
    http = signed_in_session(first.url)
    on_first, watching = Tab(first.url, http).connect(), Tab(second.url, http).connect()
    ack = on_first.send("emma", "Tell me a long story", uuid.uuid4().hex)
    assert ack["ok"]
    watching.wait_for(lambda tab: any(name == "message_delta" for name, _ in tab.unsequenced))
    first.kill()

    watching.wait_for(lambda tab: tab.messages("girl"), timeout=30)
    assert watching.messages("girl")[0]["content"] == "Sorry, where were we? Tell me more."
    assert len(fake_openai.requests) == 2, "asked once by the killed process and once by the one that took over"

    restarted = start_server(**settings, port=first.port)
    time.sleep(3)
    engine = sa.create_engine(postgres_url.replace("postgres://", "postgresql://"))
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT sender, status, answered_at IS NOT NULL FROM messages "
                                          "ORDER BY id")).all()
    engine.dispose()
    assert [(sender, status) for sender, status, _ in rows] == [("user", "done"), ("girl", "done")], rows
    assert rows[0][2], "the user's message is answered"
    assert len(fake_openai.requests) == 2, "the restarted process found nothing left to do"
    assert "Traceback" not in second.log() + third.log() + restarted.log()
    watching.disconnect()
    on_first.disconnect()


def test_typing_and_streams_are_seen_across_processes(postgres_url, redis_url, start_server, fake_openai):
    """The companion on process B waits while the user types in a tab on process A; a tab that
    connects to B while A streams a reply gets the text so far."""
    from tests.fake_openai import reply

    fake_openai.script(reply("Hmm, let me think about that."),
                       reply("Once upon a time there was a very slow storyteller. " * 3, deltas=30, chunk_delay=0.2))
    settings = {"DATABASE_URL": postgres_url, "SOCKETIO_MESSAGE_QUEUE": redis_url, "REPLY_DELAY_SCALE": "0",
                "AI_PROVIDER": "openai", "AI_BASE_URL": fake_openai.base_url, "AI_API_KEY": "test",
                "AI_MODEL": "fake"}
    first, second = start_server(**settings), start_server(**settings)
    http = signed_in_session(first.url)
    on_first, on_second = Tab(first.url, http).connect(), Tab(second.url, http).connect()

    assert on_first.client.call("typing_indicator", {"girl_id": "emma", "is_typing": True})["ok"]
    assert on_second.send("emma", "A question for you", uuid.uuid4().hex)["ok"]
    time.sleep(2)
    assert not on_second.messages("girl"), "she waits while the user types on the other process"
    assert on_first.client.call("typing_indicator", {"girl_id": "emma", "is_typing": False})["ok"]
    on_second.wait_for(lambda tab: tab.messages("girl"), timeout=10)

    first_reply_id = on_second.messages("girl")[0]["id"]
    on_first.unsequenced.clear()
    assert on_first.send("emma", "Now tell me a story", uuid.uuid4().hex)["ok"]
    on_first.wait_for(lambda tab: any(name == "message_delta" for name, _ in tab.unsequenced))
    time.sleep(1)
    streaming_on_first = [p for n, p in on_first.unsequenced if n == "message_delta"]
    assert streaming_on_first[0]["message_id"] != first_reply_id
    late = Tab(second.url, http, last_seq=on_second.last_seq).connect()
    late.wait_for(lambda tab: any(name == "message_delta" for name, _ in tab.unsequenced), timeout=5)
    snapshot = next(p for n, p in late.unsequenced if n == "message_delta")
    assert snapshot["offset"] == 0 and snapshot["message_id"] == streaming_on_first[0]["message_id"]
    assert snapshot["delta"].startswith("Once upon a time") and len(snapshot["delta"]) > len(streaming_on_first[0]["delta"])
    late.wait_for(lambda tab: tab.messages("girl"), timeout=20)
    assert late.messages("girl")[0]["id"] == snapshot["message_id"], "then the whole reply, as stored"
    for tab in (on_first, on_second, late):
        tab.disconnect()


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of this test's own (the machine's stays up), which the test may stop and start."""
    import shutil
    import subprocess

    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server) to test a Redis outage")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]

    class OwnRedis:
        url = f"redis://127.0.0.1:{port}/0"
        process = None

        def start(self):
            self.process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                             "--appendonly", "no", "--dir", str(tmp_path)],
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 5
            while not reachable(port):
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)

        def stop(self):
            if self.process and self.process.poll() is None:
                self.process.kill()
                self.process.wait(5)

    redis = OwnRedis()
    redis.start()
    yield redis
    redis.stop()


def test_a_redis_outage_loses_nothing_and_tabs_catch_up(postgres_url, own_redis, start_server):
    """Redis stopped for 10 s: sends are stored and acknowledged, /healthz says redis: down, nothing
    crashes; when Redis is back, the other process's tab catches up by replay (sync), in order."""
    settings = {"DATABASE_URL": postgres_url, "REDIS_URL": own_redis.url, "REPLY_DELAY_SCALE": "0"}
    first, second = start_server(**settings), start_server(**settings)
    http = signed_in_session(first.url)
    sender, watching = Tab(first.url, http).connect(), Tab(second.url, http).connect()
    assert sender.send("emma", "Before the outage", uuid.uuid4().hex)["ok"]
    watching.wait_for(lambda tab: tab.messages("girl"))
    assert requests.get(first.url + "/healthz", timeout=5).json()["redis"] == "ok"

    own_redis.stop()
    outage_started = time.monotonic()
    acks = [sender.send("emma", f"During the outage {number}", uuid.uuid4().hex) for number in range(3)]
    assert all(ack["ok"] and ack["seq"] for ack in acks)
    health = requests.get(first.url + "/healthz", timeout=5)
    assert health.status_code == 200 and health.json()["redis"] == "down"
    time.sleep(max(0.0, 10 - (time.monotonic() - outage_started)))
    own_redis.start()
    time.sleep(2)  # the processes reconnect to Redis

    assert sender.send("emma", "After the outage", uuid.uuid4().hex)["ok"]
    sender.wait_for(lambda tab: len(tab.messages("user")) == 5)
    assert watching.client.call("sync", {"last_seq": watching.last_seq})["ok"]  # what the page does on a gap
    engine = sa.create_engine(postgres_url.replace("postgres://", "postgresql://"))
    with engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT content FROM messages WHERE sender = 'user' ORDER BY id")).all()
        last_seq = connection.execute(sa.text("SELECT max(last_event_seq) FROM users")).scalar()
    engine.dispose()
    assert [row[0] for row in stored] == ["Before the outage", *(f"During the outage {n}" for n in range(3)),
                                          "After the outage"]
    watching.wait_for(lambda tab: tab.last_seq >= last_seq - 3, timeout=20)
    assert [m["content"] for m in watching.messages("user")] == [row[0] for row in stored]
    assert watching.duplicates_dropped >= 0 and "Traceback" not in first.log() + second.log()
    for tab in (sender, watching):
        tab.disconnect()
