"""The whole conversation over the Flask-SocketIO test client, sharing the Flask-Login session."""
import sqlalchemy as sa

from dreamchat.extensions import db
from dreamchat.models import Message, Photo
from tests.conftest import names_of, new_client_id, payloads, wait_for_events


def signed_in_socket(auth, client, socket_for, username="alex"):
    auth.register(username)
    sio = socket_for(client)
    sio.get_received()
    return sio


def send(sio, content, girl_id="emma", client_id=None, **extra):
    return sio.emit("send_message", {"girl_id": girl_id, "content": content,
                                     "client_id": client_id or new_client_id(), **extra}, callback=True)


def reply_arrived(events):
    return any(e["name"] == "message_received" and e["args"][0]["message"]["sender"] == "girl" for e in events)


def test_message_flow_ack_read_typing_reply_in_order(app, client, auth, socket_for):
    sio = signed_in_socket(auth, client, socket_for)
    client_id = new_client_id()
    ack = send(sio, "Hi Emma, I'm Alex!", client_id=client_id)
    assert ack["ok"] is True
    stored = ack["message"]
    assert stored["sender"] == "user" and stored["content"] == "Hi Emma, I'm Alex!"
    assert stored["client_id"] == client_id and stored["girl_id"] == "emma"
    assert stored["read_at"] is None and stored["created_at"].endswith("Z")

    events = wait_for_events(sio, reply_arrived)
    order = [name for name in names_of(events) if name in ("message_read", "typing", "message_received")]
    assert order == ["message_read", "typing", "typing", "message_received"]
    assert payloads(events, "message_read")[0]["message_id"] == stored["id"]
    assert [t["is_typing"] for t in payloads(events, "typing")] == [True, False]
    reply = payloads(events, "message_received")[0]["message"]
    assert reply["sender"] == "girl" and reply["type"] == "text" and "Alex" in reply["content"]
    assert "client_id" not in reply

    with app.app_context():
        rows = db.session.scalars(sa.select(Message).order_by(Message.id)).all()
        assert [(m.sender, m.read_at is not None, m.answered_at is not None) for m in rows] == [
            ("user", True, True), ("girl", False, False)]


def test_the_sending_tab_gets_the_ack_and_other_tabs_get_the_message(app, client, auth, socket_for):
    first = signed_in_socket(auth, client, socket_for)
    second = socket_for(client)
    second.get_received()
    ack = send(first, "hello from tab one")
    events = wait_for_events(second, reply_arrived)
    received = [p["message"] for p in payloads(events, "message_received")]
    assert received[0]["id"] == ack["message"]["id"]
    assert received[1]["sender"] == "girl"
    first_events = wait_for_events(first, reply_arrived)
    assert [p["message"]["sender"] for p in payloads(first_events, "message_received")] == ["girl"]


def test_repeated_client_id_is_stored_once(app, client, auth, socket_for):
    sio = signed_in_socket(auth, client, socket_for)
    client_id = new_client_id()
    first = send(sio, "only once", client_id=client_id)
    again = send(sio, "only once", client_id=client_id)
    assert again["ok"] and again["duplicate"] is True
    assert again["message"]["id"] == first["message"]["id"]
    wait_for_events(sio, reply_arrived)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(Message.sender == "user")) == 1


def test_user_id_in_payload_is_ignored(app, client, auth, socket_for):
    sio = signed_in_socket(auth, client, socket_for)
    other = app.test_client()
    other.post("/register", data={"username": "mallory", "password": "correct horse battery",
                                  "password_confirm": "correct horse battery", "adult": "y"})
    ack = send(sio, "who am I?", user_id=2)
    assert ack["ok"]
    with app.app_context():
        message = db.session.get(Message, ack["message"]["id"])
        assert message.user_id == 1


def test_mark_read_marks_only_own_unread_companion_messages(app, client, auth, socket_for):
    sio = signed_in_socket(auth, client, socket_for)
    ack = send(sio, "hello")
    events = wait_for_events(sio, reply_arrived)
    reply_id = payloads(events, "message_received")[0]["message"]["id"]
    result = sio.emit("mark_read", {"girl_id": "emma", "message_ids": [reply_id, ack["message"]["id"], 9999]},
                      callback=True)
    assert result == {"ok": True, "message_ids": [reply_id]}
    read_events = payloads(wait_for_events(sio, lambda e: "message_read" in names_of(e)), "message_read")
    assert read_events[0]["message_id"] == reply_id and read_events[0]["read_at"]
    assert sio.emit("mark_read", {"girl_id": "emma", "message_ids": [reply_id]}, callback=True)["message_ids"] == []
    home = client.get("/").get_data(as_text=True)
    assert "companion-card--unread" not in home


def test_unread_count_on_the_companion_list(app, client, auth, socket_for):
    sio = signed_in_socket(auth, client, socket_for)
    send(sio, "hello")
    wait_for_events(sio, reply_arrived)
    home = client.get("/").get_data(as_text=True)
    assert 'companion-card__badge">1<' in home


def test_a_burst_gets_one_answer_that_takes_all_messages_into_account(make_app, auth_factory):
    app = make_app(REPLY_DELAY_SCALE=0.3)
    client, sio = auth_factory(app)
    for text in ["hey", "my name is Jordan", "I love sushi"]:
        assert send(sio, text)["ok"]
    events = wait_for_events(sio, reply_arrived, timeout=15)
    with app.app_context():
        replies = db.session.scalars(sa.select(Message).where(Message.sender == "girl")).all()
        assert len(replies) == 1
        assert "Jordan" in replies[0].content
        answered = db.session.scalars(sa.select(Message.answered_at).where(Message.sender == "user")).all()
        assert all(answered)
    assert len(payloads(events, "message_read")) == 3


def test_the_companion_waits_while_the_user_is_typing(make_app, auth_factory):
    import time

    app = make_app(REPLY_DELAY_SCALE=0.05)
    client, sio = auth_factory(app)
    assert send(sio, "one moment, writing more")["ok"]
    assert sio.emit("typing_indicator", {"girl_id": "emma", "is_typing": True}, callback=True) == {"ok": True}
    time.sleep(0.6)
    assert not reply_arrived(sio.get_received())
    assert send(sio, "ok done: I love hiking")["ok"]
    sio.emit("typing_indicator", {"girl_id": "emma", "is_typing": False}, callback=True)
    wait_for_events(sio, reply_arrived, timeout=10)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(Message.sender == "girl")) == 1


def test_photo_flow_and_the_image_is_served_to_its_owner_only(app, client, auth, socket_for):
    sio = signed_in_socket(auth, client, socket_for)
    ack = sio.emit("request_photo", {"girl_id": "emma", "context": "at the beach"}, callback=True)
    assert ack["ok"] and ack["request_id"]
    events = wait_for_events(sio, lambda e: "photo_generated" in names_of(e))
    pending = payloads(events, "photo_pending")[0]
    assert pending == {"girl_id": "emma", "request_id": ack["request_id"], "context": "at the beach",
                       "seq": pending["seq"]}
    generated = payloads(events, "photo_generated")[0]
    assert generated["girl_id"] == "emma" and generated["request_id"] == ack["request_id"]
    message = generated["message"]
    assert message["type"] == "photo" and message["sender"] == "girl"
    assert message["photo_url"] == generated["photo_url"] and message["content"]

    image = client.get(generated["photo_url"])
    assert image.status_code == 200
    assert image.headers["Content-Type"] in ("image/webp", "image/png")
    assert "private" in image.headers["Cache-Control"]
    from io import BytesIO

    from PIL import Image
    with Image.open(BytesIO(image.data)) as picture:
        assert picture.width >= 512 and picture.height >= 512

    stranger = app.test_client()
    stranger.post("/register", data={"username": "eve", "password": "correct horse battery",
                                     "password_confirm": "correct horse battery", "adult": "y"})
    assert stranger.get(generated["photo_url"]).status_code == 404
    assert app.test_client().get(generated["photo_url"]).status_code in (302, 401)


def test_asking_for_a_photo_in_words_starts_the_photo_flow(app, client, auth, socket_for):
    sio = signed_in_socket(auth, client, socket_for)
    send(sio, "send me a selfie please")
    events = wait_for_events(sio, lambda e: "photo_generated" in names_of(e))
    assert names_of(events).index("message_received") < names_of(events).index("photo_generated")
    with app.app_context():
        photo = db.session.scalars(sa.select(Photo)).one()
        assert photo.status == "done"


def test_repeated_photo_request_id_makes_one_photo(app, client, auth, socket_for):
    sio = signed_in_socket(auth, client, socket_for)
    request_id = new_client_id()
    first = sio.emit("request_photo", {"girl_id": "emma", "client_id": request_id}, callback=True)
    second = sio.emit("request_photo", {"girl_id": "emma", "client_id": request_id}, callback=True)
    assert first["request_id"] == second["request_id"] == request_id
    wait_for_events(sio, lambda e: "photo_generated" in names_of(e))
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Photo.id))) == 1


def test_history_api_pages_in_ascending_order_and_is_private(app, client, auth, socket_for):
    sio = signed_in_socket(auth, client, socket_for)
    ids = []
    for number in range(3):
        ids.append(send(sio, f"message {number}")["message"]["id"])
    wait_for_events(sio, reply_arrived)
    from tests.conftest import wait_for_background_work
    wait_for_background_work(app)
    everything = client.get("/api/conversations/emma/messages").get_json()["messages"]
    all_ids = [m["id"] for m in everything]
    assert all_ids == sorted(all_ids) and set(ids) <= set(all_ids)
    newest_two = client.get("/api/conversations/emma/messages?limit=2").get_json()["messages"]
    assert [m["id"] for m in newest_two] == all_ids[-2:]
    before = client.get(f"/api/conversations/emma/messages?before={all_ids[-1]}&limit=2").get_json()["messages"]
    assert [m["id"] for m in before] == all_ids[-3:-1]
    after = client.get(f"/api/conversations/emma/messages?after={all_ids[0]}&limit=2").get_json()["messages"]
    assert [m["id"] for m in after] == all_ids[1:3]
    assert client.get("/api/conversations/emma/messages?limit=0").status_code == 400
    assert client.get("/api/conversations/emma/messages?before=x").status_code == 400

    stranger = app.test_client()
    stranger.post("/register", data={"username": "eve", "password": "correct horse battery",
                                     "password_confirm": "correct horse battery", "adult": "y"})
    assert stranger.get("/api/conversations/emma/messages").get_json()["messages"] == []


def test_chat_page_renders_the_last_messages_and_escapes_hostile_text(app, client, auth, socket_for):
    sio = signed_in_socket(auth, client, socket_for)
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    assert send(sio, hostile)["ok"]
    wait_for_events(sio, reply_arrived)
    page = client.get("/chat/emma").get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(" in page
    assert "<script>" not in page.replace('<script src=', '').replace('<script type="module" src=', '')
    home = client.get("/").get_data(as_text=True)
    assert "<script>alert" not in home
