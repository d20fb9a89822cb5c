import json

import sqlalchemy as sa

from dreamchat.extensions import db
from dreamchat.models import Companion


def test_four_adult_companions_are_seeded_by_the_migration(app):
    with app.app_context():
        companions = db.session.scalars(sa.select(Companion).order_by(Companion.position)).all()
    assert [c.slug for c in companions] == ["emma", "luna", "sofia", "zoe"]
    for companion in companions:
        assert companion.age >= 18
        assert companion.tagline and companion.personality and companion.greeting and companion.style
        assert len(companion.interests) >= 3 and len(companion.colors) == 3


def test_companion_list_shows_every_companion_with_avatar(client, auth):
    auth.register()
    page = client.get("/").get_data(as_text=True)
    for slug, name in [("emma", "Emma"), ("luna", "Luna"), ("sofia", "Sofia"), ("zoe", "Zoe")]:
        assert name in page
        assert f"/companions/{slug}/avatar?size=128" in page
        assert f"/chat/{slug}" in page


def test_avatar_is_a_png_portrait_and_the_svg_address_redirects_to_it(client):
    response = client.get("/companions/emma/avatar")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.data.startswith(b"\x89PNG")
    assert client.get("/companions/emma/avatar.svg").headers["Location"].endswith("/companions/emma/avatar?size=128")
    assert client.get("/companions/nobody/avatar.svg").status_code == 404


def test_import_adds_and_updates_companions_from_json(app, tmp_path):
    path = tmp_path / "more.json"
    path.write_text(json.dumps([
        {"slug": "mia", "name": "Mia", "age": 25, "tagline": "Barista and poet", "personality": "gentle",
         "greeting": "Hi, I'm Mia!", "interests": ["poetry", "coffee"], "colors": ["#112233", "#445566", "#778899"]},
        {"slug": "emma", "name": "Emma", "age": 24, "tagline": "Updated tagline", "personality": "warm",
         "greeting": "Salut !"},
    ]))
    result = app.test_cli_runner().invoke(args=["companions", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 created, 1 updated" in result.output
    with app.app_context():
        mia = db.session.scalar(sa.select(Companion).where(Companion.slug == "mia"))
        assert mia.name == "Mia" and mia.interests == ["poetry", "coffee"]
        emma = db.session.scalar(sa.select(Companion).where(Companion.slug == "emma"))
        assert emma.tagline == "Updated tagline"


def test_import_rejects_minors_and_bad_files_without_changes(app, tmp_path):
    minor = tmp_path / "minor.json"
    minor.write_text(json.dumps({"slug": "kid", "name": "Kid", "age": 16, "tagline": "t", "personality": "p",
                                 "greeting": "g"}))
    result = app.test_cli_runner().invoke(args=["companions", "import", str(minor)])
    assert result.exit_code != 0 and "adults" in result.output
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    result = app.test_cli_runner().invoke(args=["companions", "import", str(broken)])
    assert result.exit_code != 0 and "not valid JSON" in result.output
    bad_slug = tmp_path / "slug.json"
    bad_slug.write_text(json.dumps({"slug": "Bad Slug!", "name": "X", "age": 30, "tagline": "t",
                                    "personality": "p", "greeting": "g"}))
    assert app.test_cli_runner().invoke(args=["companions", "import", str(bad_slug)]).exit_code != 0
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Companion.id))) == 4


def test_seed_command_is_idempotent(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["companions", "seed"])
    assert "0 created, 4 updated" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Companion.id))) == 4
