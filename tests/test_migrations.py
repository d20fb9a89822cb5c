import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from dreamchat.extensions import db


def not_the_search_index(name, type_, _parent_names) -> bool:
    """Message search's index (migration 0012) is not in the models: on SQLite the FTS5 table and its
    shadow tables, on PostgreSQL the stored search_vector column of messages and its GIN index."""
    return not ((type_ == "table" and name.startswith("messages_fts"))
                or (type_ == "column" and name == "search_vector")
                or (type_ == "index" and name == "ix_messages_search"))


def test_the_migrations_build_exactly_the_models(app):
    with app.app_context():
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"include_name": not_the_search_index})
            assert compare_metadata(context, db.metadata) == []


def test_downgrade_to_base_and_up_again(app):
    from flask_migrate import downgrade, upgrade

    from tests.conftest import ROOT

    with app.app_context():
        downgrade(directory=str(ROOT / "migrations"), revision="base")
        assert "messages" not in sa.inspect(db.engine).get_table_names()
        upgrade(directory=str(ROOT / "migrations"))
        assert db.session.scalar(sa.text("SELECT count(*) FROM companions")) == 4


def test_a_deleted_messages_id_is_never_given_again(app, auth_factory):
    _, sio = auth_factory(app)
    first = sio.emit("send_message", {"girl_id": "luna", "content": "one"}, callback=True)
    from tests.conftest import wait_for_background_work
    wait_for_background_work(app)
    regenerated = sio.emit("regenerate_reply", {"girl_id": "luna"}, callback=True)
    assert regenerated["ok"]
    wait_for_background_work(app)
    with app.app_context():
        ids = list(db.session.scalars(sa.text("SELECT id FROM messages ORDER BY id")))
    assert ids[0] == first["message"]["id"] and regenerated["deleted_id"] not in ids
    assert ids[-1] > regenerated["deleted_id"]


from tests.test_search import postgres_app  # noqa: E402,F401 - the fixture: a fresh migrated PostgreSQL database


def test_on_postgresql_the_migrations_build_exactly_the_models_and_go_down_and_up(postgres_app):
    from flask_migrate import downgrade, upgrade

    from tests.conftest import ROOT

    test_the_migrations_build_exactly_the_models(postgres_app)
    with postgres_app.app_context():
        downgrade(directory=str(ROOT / "migrations"), revision="0016_voice_notes")
        assert "groups" not in sa.inspect(db.engine).get_table_names()
        upgrade(directory=str(ROOT / "migrations"))
        db.session.remove()
    test_the_migrations_build_exactly_the_models(postgres_app)
