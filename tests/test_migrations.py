import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from dreamchat.extensions import db


def test_the_migrations_build_exactly_the_models(app):
    with app.app_context():
        with db.engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), db.metadata) == []


def test_downgrade_to_base_and_up_again(app):
    from flask_migrate import downgrade, upgrade

    from tests.conftest import ROOT

    with app.app_context():
        downgrade(directory=str(ROOT / "migrations"), revision="base")
        assert "messages" not in sa.inspect(db.engine).get_table_names()
        upgrade(directory=str(ROOT / "migrations"))
        assert db.session.scalar(sa.text("SELECT count(*) FROM companions")) == 4
