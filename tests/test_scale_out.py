"""Several processes behind one address: PostgreSQL for the data, Redis as the Socket.IO message
queue. Needs the PostgreSQL (127.0.0.1:5432, database `test`) and Redis (127.0.0.1:6379) of the
machine; without them these tests are skipped and say why."""
import socket
import uuid

import pytest
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
            differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert differences == []
        assert db.session.scalar(sa.text("SELECT count(*) FROM companions")) == 4
        db.session.remove()
        db.engine.dispose()
