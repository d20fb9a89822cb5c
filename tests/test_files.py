"""Files and caches: instance/ 0700, the SQLite database and secret_key 0600 from creation (looser ones
tightened with a warning), and private responses never cached (photos: private, for an hour)."""
import logging
import os
import stat

import pytest
import sqlalchemy as sa

from dreamchat import config
from dreamchat.extensions import db
from dreamchat.models import Companion, Photo, User


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def open_umask():
    """The loosest usual umask: what a file would get without an explicit mode."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.fixture
def instance(tmp_path, monkeypatch):
    path = tmp_path / "instance"
    monkeypatch.setattr(config, "INSTANCE_DIR", path)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return path


def test_instance_database_and_secret_key_are_private_from_creation(instance, open_umask):
    url = config.database_url_from_env()
    key = config.secret_key_from_env()
    assert mode(instance) == 0o700
    assert url == f"sqlite:///{instance / 'dreamchat.db'}"
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        connection.execute(sa.text("select 1"))
    engine.dispose()
    assert mode(instance / "dreamchat.db") == 0o600
    assert mode(instance / "secret_key") == 0o600 and (instance / "secret_key").read_text() == key
    assert config.secret_key_from_env() == key  # read back, not regenerated


def test_looser_existing_files_are_tightened_with_a_warning(instance, open_umask, caplog):
    instance.mkdir(mode=0o755)
    (instance / "secret_key").write_text("k" * 64)
    (instance / "dreamchat.db").write_bytes(b"")
    os.chmod(instance, 0o755)
    os.chmod(instance / "secret_key", 0o644)
    os.chmod(instance / "dreamchat.db", 0o664)
    with caplog.at_level(logging.WARNING, logger="dreamchat.config"):
        assert config.secret_key_from_env() == "k" * 64
        config.database_url_from_env()
    assert mode(instance) == 0o700 and mode(instance / "secret_key") == 0o600
    assert mode(instance / "dreamchat.db") == 0o600
    warned = " ".join(record.getMessage() for record in caplog.records)
    assert "secret_key" in warned and "dreamchat.db" in warned and "644" in warned


def test_any_sqlite_database_file_is_created_0600_with_its_wal(tmp_path, open_umask):
    path = tmp_path / "other.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(sa.text("create table t (x int)"))
        connection.execute(sa.text("insert into t values (1)"))
        wal = [p for p in tmp_path.iterdir() if p.name.endswith(("-wal", "-shm"))]
        assert mode(path) == 0o600
        assert all(mode(p) == 0o600 for p in wal), [(p.name, oct(mode(p))) for p in wal]
    engine.dispose()
    in_memory = sa.create_engine("sqlite://")
    with in_memory.connect() as connection:
        assert connection.execute(sa.text("select 1")).scalar() == 1


def test_pages_and_api_are_not_cached(client, auth):
    assert client.get("/login").headers["Cache-Control"] == "private, no-store"
    auth.register()
    for url in ("/", "/chat/emma", "/api/conversations/emma/messages", "/account", "/memory", "/safety",
                "/account/export", "/healthz"):
        response = client.get(url)
        assert response.status_code == 200, url
        cache = response.headers["Cache-Control"]
        assert cache == "private, no-store" or (url == "/account/export" and cache == "no-store"), (url, cache)
    assert client.get("/photos/12345").headers["Cache-Control"] == "private, no-store"  # a 404 too


def test_public_files_keep_their_own_caching(client):
    assert client.get("/companions/emma/avatar").headers["Cache-Control"] == "public, max-age=86400"
    static = client.get("/static/css/app.css")
    assert static.status_code == 200 and "no-store" not in static.headers.get("Cache-Control", "")
    static.close()


def test_photos_are_private_and_kept_an_hour_at_most(app, client, auth):
    auth.register()
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "alex"))
        emma = Companion.by_slug("emma")
        photo = Photo(request_id="r1", user_id=user.id, companion_id=emma.id, status="done",
                      mime="image/png", data=b"\x89PNG fake")
        db.session.add(photo)
        db.session.commit()
        photo_id = photo.id
    response = client.get(f"/photos/{photo_id}")
    assert response.status_code == 200 and response.data == b"\x89PNG fake"
    assert response.headers["Cache-Control"] == "private, max-age=3600"
    assert "immutable" not in response.headers["Cache-Control"]
    client.post("/logout")
    assert client.get(f"/photos/{photo_id}").status_code in (302, 401)
