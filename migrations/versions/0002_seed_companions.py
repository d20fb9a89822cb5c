"""Seed the default companions (emma, luna, sofia, zoe)

Revision ID: 0002_seed_companions
Revises: 0001_initial
"""
import json
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0002_seed_companions"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

SEED_FILE = Path(__file__).resolve().parents[2] / "dreamchat" / "companions" / "default_companions.json"

companions = sa.table(
    "companions",
    sa.column("slug", sa.String), sa.column("name", sa.String), sa.column("age", sa.Integer),
    sa.column("city", sa.String), sa.column("tagline", sa.String), sa.column("personality", sa.Text),
    sa.column("interests_json", sa.Text), sa.column("traits_json", sa.Text), sa.column("style", sa.Text),
    sa.column("greeting", sa.Text), sa.column("language", sa.String), sa.column("appearance", sa.Text),
    sa.column("colors_json", sa.Text), sa.column("position", sa.Integer),
)


def upgrade():
    connection = op.get_bind()
    present = set(connection.scalars(sa.select(companions.c.slug)))
    rows = []
    for position, persona in enumerate(json.loads(SEED_FILE.read_text("utf-8"))):
        if persona["slug"] in present:
            continue
        rows.append({
            "slug": persona["slug"], "name": persona["name"], "age": persona["age"],
            "city": persona.get("city", ""), "tagline": persona["tagline"],
            "personality": persona["personality"], "interests_json": json.dumps(persona.get("interests", [])),
            "traits_json": json.dumps(persona.get("traits", [])), "style": persona.get("style", ""),
            "greeting": persona["greeting"], "language": persona.get("language", "en"),
            "appearance": persona.get("appearance", ""), "colors_json": json.dumps(persona.get("colors", [])),
            "position": position,
        })
    if rows:
        op.bulk_insert(companions, rows)


def downgrade():
    slugs = [persona["slug"] for persona in json.loads(SEED_FILE.read_text("utf-8"))]
    op.execute(companions.delete().where(companions.c.slug.in_(slugs)))
