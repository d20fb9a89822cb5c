"""Message search: /api/search and /search, the index kept in sync by every write, the history around a
message (?message= and around=). The API tests run on SQLite and, when it is running, on PostgreSQL."""
import re
import socket
import uuid
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from dreamchat.extensions import db
from dreamchat.models import Message, Sender
from dreamchat.search.index import Terms, parse_query, snippet
from tests.conftest import PASSWORD, ROOT, new_client_id, wait_for_background_work

POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


def postgres_running() -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", 5432)) == 0


@pytest.fixture
def postgres_app():
    """An app on a fresh PostgreSQL database with the migrations applied, dropped afterwards."""
    if not postgres_running():
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
    from flask_migrate import upgrade

    from dreamchat import create_app
    from dreamchat.config import TestConfig

    name = f"dreamchat_search_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = f"postgresql://postgres@127.0.0.1:5432/{name}"
    app = create_app(config)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    try:
        yield app
    finally:
        wait_for_background_work(app)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_app(request):
    if request.param == "sqlite":
        return request.getfixturevalue("app")
    return request.getfixturevalue("postgres_app")


def signed_in(app, username=None):
    client = app.test_client()
    username = username or "u" + uuid.uuid4().hex[:10]
    response = client.post("/register", data={"username": username, "password": PASSWORD,
                                              "password_confirm": PASSWORD, "adult": "y"})
    assert response.status_code == 302
    with app.app_context():
        user_id = db.session.scalar(sa.text("SELECT id FROM users WHERE username = :name"), {"name": username})
    return client, user_id


def companion_id(app, slug):
    with app.app_context():
        return db.session.scalar(sa.text("SELECT id FROM companions WHERE slug = :slug"), {"slug": slug})


def add_messages(app, user_id, slug, contents, *, sender=Sender.USER, status="done", start=None):
    """Rows straight into messages (the triggers index them on SQLite); their ids, in order."""
    start = start or datetime(2025, 3, 1)
    cid = companion_id(app, slug)
    with app.app_context():
        ids = []
        for i, content in enumerate(contents):
            ids.append(db.session.execute(sa.insert(Message).values(
                user_id=user_id, companion_id=cid, sender=sender, type="text", content=content, status=status,
                created_at=start + timedelta(seconds=i), read_at=start, answered_at=start)
                .returning(Message.id)).scalar())
        db.session.commit()
    return ids


def search(client, q, **params):
    return client.get("/api/search", query_string={"q": q, **params})


def found_ids(client, q, **params):
    response = search(client, q, **params)
    assert response.status_code == 200, response.get_json()
    return [r["message"]["id"] for r in response.get_json()["results"]]


def index_is_in_sync(app):
    """SQLite: FTS5 checks its index against the messages table (it raises when they differ)."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return True
        db.session.execute(sa.text("INSERT INTO messages_fts(messages_fts, rank) VALUES ('integrity-check', 1)"))
        indexed = db.session.scalar(sa.text("SELECT count(*) FROM messages_fts_docsize"))
        rows = db.session.scalar(sa.text("SELECT count(*) FROM messages"))
        db.session.rollback()
    return indexed == rows


# --- the API -----------------------------------------------------------------------------------------------

def test_a_user_finds_their_own_messages_in_every_conversation_and_never_anothers(any_app):
    app = any_app
    alex, alex_id = signed_in(app)
    sam, sam_id = signed_in(app)
    to_emma = add_messages(app, alex_id, "emma", ["I adore the lighthouse at dawn", "nothing to see here"])
    from_luna = add_messages(app, alex_id, "luna", ["Shall we visit the lighthouse?"], sender=Sender.COMPANION)
    sams = add_messages(app, sam_id, "emma", ["my lighthouse secret"])

    response = search(alex, "lighthouse")
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert sorted(r["message"]["id"] for r in results) == sorted([to_emma[0], from_luna[0]])
    by_id = {r["message"]["id"]: r for r in results}
    assert by_id[from_luna[0]]["girl_id"] == "luna" and by_id[from_luna[0]]["message"]["sender"] == "girl"
    assert by_id[to_emma[0]]["message"]["content"] == "I adore the lighthouse at dawn"
    assert found_ids(sam, "lighthouse") == sams
    assert found_ids(alex, "secret") == []


def test_better_matches_rank_first(any_app):
    app = any_app
    client, user_id = signed_in(app)
    filler = " ".join(f"word{i}" for i in range(60))
    weak, strong, middle = add_messages(app, user_id, "emma", [
        f"{filler} piano {filler}",
        "piano piano, I love the piano",
        f"piano lessons on tuesday {filler}",
    ])
    assert found_ids(client, "piano") == [strong, middle, weak]
    assert found_ids(client, "piano", limit=2) == [strong, middle]


def test_every_word_must_match_and_the_last_is_a_prefix(any_app):
    app = any_app
    client, user_id = signed_in(app)
    gallery, garden, both = add_messages(app, user_id, "emma", [
        "the gallery was closed", "a garden party", "a garden next to the gallery"])
    assert set(found_ids(client, "gal")) == {gallery, both}
    assert set(found_ids(client, "ga")) == {gallery, garden, both}, "FTS5's 2-letter prefix index"
    assert set(found_ids(client, "gall")) == {gallery, both}, "longer than the prefix index"
    assert found_ids(client, "g") == [], "one letter is a word, not a prefix"
    assert found_ids(client, "garden gal") == [both]
    assert found_ids(client, "gal ") == [], "a finished word is not a prefix"
    assert set(found_ids(client, "GARDEN")) == {garden, both}


def test_diacritics_do_not_matter_on_sqlite(app):
    client, user_id = signed_in(app)
    [cafe] = add_messages(app, user_id, "emma", ["Meet me at the café in Zürich"])
    assert found_ids(client, "cafe") == [cafe]
    assert found_ids(client, "zurich") == [cafe]
    assert found_ids(client, "CAFÉ") == [cafe]


def test_messages_being_written_are_not_found(any_app):
    app = any_app
    client, user_id = signed_in(app)
    add_messages(app, user_id, "emma", ["a half written walrus"], sender=Sender.COMPANION, status="streaming")
    [done] = add_messages(app, user_id, "emma", ["a finished walrus"], sender=Sender.COMPANION)
    assert found_ids(client, "walrus") == [done]


SYNTAX = ['"', '""', '"unclosed', "*", "a*", "NEAR(a b)", "NEAR", "-a", "a - b", "a:b", "content:a", "AND",
          "a OR b", "NOT a", "(a", "a)", "^a", "{a b}", "a + b", "'", "a'b", "\\", "%", "_", "a & b | !c",
          "a:* <-> b", "é", "日本語", "🙂 a", "x" * 200, "a" * 5 + " b" * 90]


def test_query_syntax_from_the_user_is_never_an_error(any_app):
    client, user_id = signed_in(any_app)
    add_messages(any_app, user_id, "emma", ["a b c near and or not content 日本語 x"])
    for q in SYNTAX:
        response = search(client, q)
        assert response.status_code in (200, 400), (q, response.get_data(as_text=True))
        assert response.is_json
        if response.status_code == 400:
            assert not re.search(r"[^\W_]", q), f"only a query without any word is refused: {q!r}"
    assert len(found_ids(client, "NEAR(a b)")) == 1
    assert len(found_ids(client, '"content:a"')) == 1


@pytest.mark.parametrize("params, problem", [
    ({}, "search for"),
    ({"q": ""}, "search for"),
    ({"q": "   "}, "search for"),
    ({"q": "?!*()"}, "word"),
    ({"q": "a" * 201}, "too long"),
    ({"q": "a\x00b"}, "characters"),
    ({"q": "a", "limit": "0"}, "limit"),
    ({"q": "a", "limit": "ten"}, "limit"),
    ({"q": "a", "limit": "-1"}, "limit"),
])
def test_bad_input_is_a_400_that_says_why(app, params, problem):
    client, _ = signed_in(app)
    response = client.get("/api/search", query_string=params)
    assert response.status_code == 400
    assert problem in response.get_json()["error"]["message"]


def test_the_limits_are_settings(make_app):
    app = make_app(SEARCH_MAX_QUERY_LENGTH=5, SEARCH_MAX_RESULTS=3)
    client, user_id = signed_in(app)
    add_messages(app, user_id, "emma", ["kiwi"] * 5)
    assert search(client, "kiwis!").status_code == 400
    assert len(found_ids(client, "kiwi")) == 3
    assert len(found_ids(client, "kiwi", limit=4)) == 3, "a limit above the maximum gets the maximum"
    unlimited = make_app(SEARCH_MAX_QUERY_LENGTH=0, SEARCH_MAX_RESULTS=0)
    client, user_id = signed_in(unlimited)
    add_messages(unlimited, user_id, "emma", ["kiwi"] * 25)
    assert len(found_ids(client, "kiwi " * 100)) == 20
    assert len(found_ids(client, "kiwi", limit=25)) == 25


@pytest.mark.parametrize("most", [1, 3, 8])
def test_the_live_search_asks_for_more_than_a_small_maximum_and_gets_the_maximum(make_app, most):
    """static/js/search.js asks for limit=9 (8 shown, one more to know there are more)."""
    script = (ROOT / "static/js/search.js").read_text()
    assert "limit=${SHOWN + 1}" in script
    asked = int(re.search(r"const SHOWN = (\d+);", script).group(1)) + 1
    app = make_app(SEARCH_MAX_RESULTS=most)
    client, user_id = signed_in(app)
    add_messages(app, user_id, "emma", ["kiwi"] * 10)
    assert len(found_ids(client, "kiwi", limit=asked)) == most


def test_searches_are_rate_limited_per_user(make_app):
    app = make_app(RATE_LIMIT_SEARCHES=3)
    client, user_id = signed_in(app)
    other, _ = signed_in(app)
    add_messages(app, user_id, "emma", ["kiwi"])
    for _ in range(2):
        assert found_ids(client, "kiwi")
    assert client.get("/search?q=kiwi").status_code == 200, "the page and the API share the count"
    response = search(client, "kiwi")
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "rate_limited"
    assert "wait a moment" in response.get_json()["error"]["message"]
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    page = client.get("/search?q=kiwi")
    assert page.status_code == 429 and "wait a moment" in page.get_data(as_text=True)
    assert search(client, "?!").status_code == 400, "a bad query is refused before it counts"
    assert search(other, "kiwi").status_code == 200, "each user has a count of their own"

    unlimited = make_app(RATE_LIMIT_SEARCHES=0)
    client, _ = signed_in(unlimited)
    assert all(search(client, "kiwi").status_code == 200 for _ in range(61))


def test_search_needs_a_login(client):
    response = client.get("/api/search?q=hello")
    assert response.status_code in (302, 401)
    assert client.get("/search?q=hello").status_code == 302


# --- snippets ----------------------------------------------------------------------------------------------

def test_a_snippet_is_plain_text_with_the_ranges_of_the_matches(app):
    client, user_id = signed_in(app)
    add_messages(app, user_id, "emma", ['<img src=x onerror="alert(1)"> hello <b>Hello</b> & goodbye'])
    [result] = search(client, "hello").get_json()["results"]
    text = result["snippet"]
    assert text == '<img src=x onerror="alert(1)"> hello <b>Hello</b> & goodbye'
    assert [text[a:b] for a, b in result["highlights"]] == ["hello", "Hello"]

    page = client.get("/search?q=hello").get_data(as_text=True)
    assert "<img src=x" not in page and "<b>Hello" not in page
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt; <mark>hello</mark> &lt;b&gt;<mark>Hello</mark>" in page


def test_a_long_message_is_cut_around_its_first_match():
    words = [f"w{i}" for i in range(200)]
    words[150] = "needle"
    content = " ".join(words)
    text, ranges = snippet(content, parse_query("needle"))
    assert text.startswith("…") and text.endswith("…") and len(text) <= 162
    assert [text[a:b] for a, b in ranges] == ["needle"]
    assert snippet("short needle", Terms(("needle",), False)) == ("short needle", [(6, 12)])


def test_a_snippet_counts_code_points_as_javascript_array_from_does():
    text, ranges = snippet("🙂🙂 café time", parse_query("cafe"))
    assert [text[a:b] for a, b in ranges] == ["café"] and ranges == [(3, 7)]


# --- the index stays in sync with every write --------------------------------------------------------------

def send(sio, content, girl_id="emma"):
    ack = sio.emit("send_message", {"girl_id": girl_id, "content": content, "client_id": new_client_id()},
                   callback=True)
    assert ack["ok"], ack
    return ack["message"]


def latest_reply(app, user_id):
    with app.app_context():
        return db.session.execute(sa.select(Message.id, Message.content).where(
            Message.user_id == user_id, Message.sender == Sender.COMPANION).order_by(Message.id.desc())).first()


def distinct_word(text):
    return max(re.findall(r"[A-Za-z]{5,}", text), key=len)


def test_sent_edited_deleted_and_regenerated_messages_keep_the_index_in_sync(app, socket_for):
    client, user_id = signed_in(app)
    sio = socket_for(client)
    sio.get_received()
    sent = send(sio, "My cat is called Pumpernickel")
    wait_for_background_work(app)
    assert found_ids(client, "pumpernickel") == [sent["id"]]
    reply_id, reply_text = latest_reply(app, user_id)
    word = distinct_word(reply_text)
    assert reply_id in found_ids(client, word), "the companion's replies are found too"

    ack = sio.emit("edit_message", {"girl_id": "emma", "message_id": sent["id"],
                                    "content": "My dog is called Biscotti"}, callback=True)
    assert ack["ok"], ack
    wait_for_background_work(app)
    assert found_ids(client, "pumpernickel") == []
    assert found_ids(client, "biscotti") == [sent["id"]]
    assert index_is_in_sync(app)

    old_reply_id, old_text = latest_reply(app, user_id)
    ack = sio.emit("regenerate_reply", {"girl_id": "emma"}, callback=True)
    assert ack["ok"] and ack["deleted_id"] == old_reply_id
    wait_for_background_work(app)
    new_reply_id, new_text = latest_reply(app, user_id)
    assert old_reply_id not in found_ids(client, distinct_word(old_text))
    assert new_reply_id in found_ids(client, distinct_word(new_text))
    assert index_is_in_sync(app)

    ack = sio.emit("delete_message", {"girl_id": "emma", "message_id": sent["id"]}, callback=True)
    assert ack["ok"], ack
    wait_for_background_work(app)
    assert found_ids(client, "biscotti") == []
    assert index_is_in_sync(app)


def test_deleting_the_account_takes_its_messages_out_of_the_index(app):
    client, user_id = signed_in(app)
    other, other_id = signed_in(app)
    add_messages(app, user_id, "emma", ["zeppelin stories"] * 3)
    [kept] = add_messages(app, other_id, "emma", ["zeppelin too"])
    response = client.post("/account/delete", data={"password": PASSWORD, "understood": "y"})
    assert response.status_code == 302
    assert index_is_in_sync(app)
    with app.app_context():
        assert db.session.scalar(sa.text("SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'zeppelin'")) == 1
    assert found_ids(other, "zeppelin") == [kept]


def migration_0012():
    import importlib.util

    spec = importlib.util.spec_from_file_location("m0012", ROOT / "migrations/versions/0012_message_search.py")
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    return migration


def test_the_migration_indexes_the_messages_already_there(any_app):
    """Migration 0012's own statements: downgrade, messages written meanwhile, upgrade (which fills the index)."""
    app = any_app
    migration = migration_0012()
    postgres = app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    upgrade, downgrade = ((migration.POSTGRES_UPGRADE, migration.POSTGRES_DOWNGRADE) if postgres
                          else (migration.SQLITE_UPGRADE, migration.SQLITE_DOWNGRADE))
    client, user_id = signed_in(app)
    add_messages(app, user_id, "emma", ["an indexed armadillo"])
    with app.app_context():
        for statement in downgrade:
            db.session.execute(sa.text(statement))
        db.session.commit()
        inspector = sa.inspect(db.engine)
        assert "messages_fts" not in inspector.get_table_names()
        assert "messages_search_source" not in inspector.get_view_names()
        assert "search_vector" not in {column["name"] for column in inspector.get_columns("messages")}
    add_messages(app, user_id, "emma", ["an older armadillo"])  # no index, no triggers
    with app.app_context():
        for statement in upgrade:
            db.session.execute(sa.text(statement))
        db.session.commit()
    assert len(found_ids(client, "armadillo")) == 2
    assert index_is_in_sync(app)


def test_the_index_itself_keeps_the_users_apart(any_app):
    """The owner is in the index (FTS5's owner column, the tsvector's owner lexeme): the match alone, without
    the user_id condition, finds only the user's messages; the user's words never match the owner."""
    from dreamchat.search.index import owner_word

    app = any_app
    alex, alex_id = signed_in(app)
    sam, sam_id = signed_in(app)
    alexs = add_messages(app, alex_id, "emma", ["a shared walrus", f"a walrus called {owner_word(sam_id)}"])
    sams = add_messages(app, sam_id, "emma", ["a shared walrus"] * 3)
    terms = parse_query("walrus")
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            matched = db.session.scalars(sa.text("SELECT rowid FROM messages_fts WHERE messages_fts MATCH :q"),
                                         {"q": terms.fts5(alex_id)})
        else:
            matched = db.session.scalars(sa.text("SELECT id FROM messages WHERE search_vector @@ "
                                                 "to_tsquery('simple', :q)"), {"q": terms.owned_tsquery(alex_id)})
        assert sorted(matched) == alexs
    assert found_ids(alex, owner_word(alex_id)) == [], "searching for one's owner word finds no message"
    assert found_ids(alex, owner_word(sam_id)) == [alexs[1]], "only the content holds the words"
    assert sorted(found_ids(sam, "walrus")) == sams


def test_postgresql_recomputes_the_vector_only_when_the_content_changes(postgres_app):
    """A trigger, not a stored generated column, which PostgreSQL would compute again at every UPDATE of the
    row (read receipts, answered_at)."""
    app = postgres_app
    client, user_id = signed_in(app)
    [message_id] = add_messages(app, user_id, "emma", ["an ocelot at dawn"])
    vector = sa.text("SELECT search_vector::text FROM messages WHERE id = :id")
    with app.app_context():
        assert "'ocelot'" in db.session.scalar(vector, {"id": message_id})
        db.session.execute(sa.text("UPDATE messages SET search_vector = 'sentinel' WHERE id = :id"), {"id": message_id})
        db.session.execute(sa.text("UPDATE messages SET read_at = now(), answered_at = now(), status = 'done' "
                                   "WHERE id = :id"), {"id": message_id})
        assert db.session.scalar(vector, {"id": message_id}) == "'sentinel'"
        db.session.execute(sa.text("UPDATE messages SET content = 'a lynx at dusk' WHERE id = :id"), {"id": message_id})
        db.session.commit()
        recomputed = db.session.scalar(vector, {"id": message_id})
        assert "'lynx'" in recomputed and f"'u{user_id}':1A" in recomputed and "ocelot" not in recomputed
    assert found_ids(client, "lynx") == [message_id] and found_ids(client, "ocelot") == []


# --- the plans ---------------------------------------------------------------------------------------------

def test_sqlite_searches_through_the_fts5_index(app):
    from dreamchat.search.index import sqlite_statement

    with app.app_context():
        plan = "\n".join(row[-1] for row in db.session.execute(
            sa.text("EXPLAIN QUERY PLAN " + str(sqlite_statement())),
            {"query": parse_query("word").fts5(1), "user_id": 1, "limit": 20, "window": 500}))
    assert re.search(r"SCAN messages_fts VIRTUAL TABLE INDEX \d+:M", plan), plan
    assert "SEARCH messages USING INTEGER PRIMARY KEY (rowid=?)" in plan, plan
    assert not re.search(r"SCAN messages(?!_fts)", plan), plan
    assert plan.count("USE TEMP B-TREE") == 1, "FTS5 hands the matches newest first; only the ranking sorts"


def test_the_queries_ask_for_the_owner_and_the_words_in_the_content():
    terms = parse_query('gal "xy')
    assert terms.fts5(42) == '{owner}: "u42" AND {content}: ("gal" "xy"*)'
    assert terms.owned_tsquery(42) == "'u42':A & 'gal':D & 'xy':*D"
    assert parse_query("gallery x") == Terms(("gallery", "x"), False), "one letter is a word, not a prefix"


def test_postgresql_searches_through_the_gin_index_with_the_owner(postgres_app):
    """The GIN index is asked for the owner's lexeme and the words together (its Index Cond), so it intersects
    the user's messages with the words' matches: other users' matches of the word are never fetched."""
    from dreamchat.search.index import postgres_statement

    client, user_id = signed_in(postgres_app)
    for _ in range(2):
        add_messages(postgres_app, signed_in(postgres_app)[1], "emma",
                     [f"a {'quokka' if i % 10 == 0 else 'wombat'} number {i}" for i in range(1000)])
    add_messages(postgres_app, user_id, "emma", [f"message number {i}" for i in range(1000)] + ["a quokka"])
    assert len(found_ids(client, "quokka")) == 1
    terms = parse_query("quokka")
    with postgres_app.app_context():
        db.session.execute(sa.text("ANALYZE messages"))
        db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))  # a few thousand rows: a scan would do
        match = "\n".join(db.session.scalars(
            sa.text("EXPLAIN SELECT id FROM messages WHERE search_vector @@ to_tsquery('simple', :query)"),
            {"query": terms.owned_tsquery(user_id)}))
        plan = "\n".join(db.session.scalars(sa.text("EXPLAIN " + str(postgres_statement())), {
            "query": terms.owned_tsquery(user_id), "words": terms.tsquery(), "user_id": user_id,
            "limit": 20, "window": 500}))
        db.session.rollback()
    owner_and_word = rf"Index Cond: \(search_vector @@ '''u{user_id}'':A & ''quokka'':\*D'::tsquery\)"
    assert "Bitmap Index Scan on ix_messages_search" in match and re.search(owner_and_word, match), match
    for condition in re.findall(r"Index Cond: \(search_vector @@ [^\n]*", plan):
        assert re.search(owner_and_word, condition), plan


# --- the history around a message --------------------------------------------------------------------------

def test_around_returns_older_and_newer_messages_on_both_sides(any_app):
    app = any_app
    client, user_id = signed_in(app)
    ids = add_messages(app, user_id, "emma", [f"m{i}" for i in range(120)])
    add_messages(app, user_id, "luna", ["elsewhere"])
    target = ids[60]
    data = client.get(f"/api/conversations/emma/messages?around={target}&limit=50").get_json()
    assert [m["id"] for m in data["messages"]] == ids[35:85]
    assert data["has_older"] is True and data["has_newer"] is True

    near_start = client.get(f"/api/conversations/emma/messages?around={ids[3]}&limit=20").get_json()
    assert [m["id"] for m in near_start["messages"]] == ids[0:13]
    assert near_start["has_older"] is False and near_start["has_newer"] is True
    near_end = client.get(f"/api/conversations/emma/messages?around={ids[-2]}&limit=20").get_json()
    assert [m["id"] for m in near_end["messages"]] == ids[-12:]
    assert near_end["has_older"] is True and near_end["has_newer"] is False

    newer = client.get(f"/api/conversations/emma/messages?after={ids[84]}&limit=50").get_json()
    assert [m["id"] for m in newer["messages"]] == ids[85:120]


def test_around_is_a_404_for_a_message_of_another_conversation_or_user_and_400_with_before(app):
    client, user_id = signed_in(app)
    other, other_id = signed_in(app)
    [emmas] = add_messages(app, user_id, "emma", ["hi"])
    [lunas] = add_messages(app, user_id, "luna", ["hi"])
    [not_mine] = add_messages(app, other_id, "emma", ["hi"])
    assert client.get(f"/api/conversations/emma/messages?around={emmas}").status_code == 200
    for message_id in (lunas, not_mine, 999999):
        response = client.get(f"/api/conversations/emma/messages?around={message_id}")
        assert response.status_code == 404 and response.is_json
    assert client.get(f"/api/conversations/emma/messages?around={emmas}&before={emmas}").status_code == 400
    assert client.get("/api/conversations/emma/messages?around=abc").status_code == 400


def test_the_conversation_opens_around_the_message_of_a_search_result(app):
    client, user_id = signed_in(app)
    other, other_id = signed_in(app)
    ids = add_messages(app, user_id, "emma", [f"line {i}" for i in range(200)])
    [not_mine] = add_messages(app, other_id, "emma", ["hi"])
    page = client.get(f"/chat/emma?message={ids[100]}").get_data(as_text=True)
    assert f'data-focus-message="{ids[100]}"' in page and 'data-has-more="true"' in page
    shown = [int(i) for i in re.findall(r'class="message[^"]*"[^>]*data-id="(\d+)"', page)] or \
        [int(i) for i in re.findall(r'data-id="(\d+)"', page)]
    assert ids[100] in shown and ids[99] in shown and ids[101] in shown and ids[-1] not in shown

    for bad in (not_mine, "abc", 0, ""):
        page = client.get(f"/chat/emma?message={bad}").get_data(as_text=True)
        assert 'data-focus-message=""' in page
        assert f'data-id="{ids[-1]}"' in page, "opens at the newest messages"


def test_the_search_page_lists_results_and_links_to_them(app):
    client, user_id = signed_in(app)
    [found] = add_messages(app, user_id, "luna", ["the observatory is open tonight"], sender=Sender.COMPANION)
    page = client.get("/search?q=observ").get_data(as_text=True)
    assert f'href="/chat/luna?message={found}"' in page
    assert "<mark>observatory</mark>" in page and "1 message found" in page
    assert 'role="search"' in page and 'name="q"' in page
    assert "No messages found" in client.get("/search?q=nothingatall").get_data(as_text=True)
    response = client.get("/search?q=%22%28")
    assert response.status_code == 400 and "Type a word" in response.get_data(as_text=True)
    assert client.get("/search").status_code == 200


def test_the_benchmark_script_runs(capsys):
    import importlib.util

    spec = importlib.util.spec_from_file_location("search_benchmark", ROOT / "scripts" / "search_benchmark.py")
    benchmark = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(benchmark)
    benchmark.run_sqlite(count=400, tries=2)
    out = capsys.readouterr().out
    assert "filled 400 messages of 1 users" in out
    assert re.search(r"'quokka'\s+\d+\s+[\d.]+\s+[\d.]+", out), out
    benchmark.run_sqlite(count=400, tries=1, users=20, big=150, small=10)
    out = capsys.readouterr().out
    assert "filled 400 messages of 20 users" in out
    assert "big user (150 messages)" in out and "small user (10 messages)" in out
    assert len(re.findall(r"'quokka'\s+\d+\s+[\d.]+\s+[\d.]+", out)) == 2, out
