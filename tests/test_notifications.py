"""The notifications preference: a toggle on the Account page, stored per user, shown to the chat page."""
import sqlalchemy as sa

from dreamchat.extensions import db
from dreamchat.models import User


def notifications_attribute(client, slug="emma") -> str:
    """The setting as the chat page (and the companion list, which notifies too) show it to their scripts."""
    page = client.get(f"/chat/{slug}").get_data(as_text=True)
    on_chat = page.split('data-notifications="', 1)[1].split('"', 1)[0]
    on_list = client.get("/").get_data(as_text=True).split('data-notifications="', 1)[1].split('"', 1)[0]
    assert on_list == on_chat
    return on_chat


def checkbox(page: str) -> str:
    """The notifications checkbox's <input> tag."""
    start = page.index('<input', page.index('notifications-form'))
    return page[start:page.index(">", start)]


def stored_preference(app, username="alex") -> bool:
    with app.app_context():
        return db.session.scalar(sa.select(User.notifications_enabled).where(User.username == username))


def test_notifications_are_on_until_turned_off_on_the_account_page(app, client, auth):
    auth.register("alex")
    assert stored_preference(app) is True
    assert notifications_attribute(client) == "on"
    account = client.get("/account").get_data(as_text=True)
    assert 'action="/account/notifications"' in account
    assert "checked" in checkbox(account)

    response = client.post("/account/notifications", data={})
    assert response.status_code == 302 and response.headers["Location"].endswith("/account")
    assert stored_preference(app) is False
    account = client.get("/account").get_data(as_text=True)
    assert "Notifications are off." in account
    assert "checked" not in checkbox(account)
    assert notifications_attribute(client) == "off"

    client.post("/account/notifications", data={"notifications": "y"})
    assert stored_preference(app) is True
    assert notifications_attribute(client, "luna") == "on"


def test_one_users_preference_is_theirs_only(app, client, auth):
    auth.register("alex")
    client.post("/account/notifications", data={})
    auth.logout()
    auth.register("blair")
    assert notifications_attribute(client) == "on"
    assert stored_preference(app, "alex") is False and stored_preference(app, "blair") is True


def test_the_preference_needs_a_signed_in_user(app, client):
    response = client.post("/account/notifications", data={"notifications": "y"})
    assert response.status_code in (302, 401)
    assert "/login" in response.headers.get("Location", "/login")


def test_the_chat_page_has_the_prompt_hidden_and_a_logo_favicon(app, client, auth):
    auth.register("alex")
    page = client.get("/chat/emma").get_data(as_text=True)
    prompt = page.split('id="notify-prompt"', 1)[1].split(">", 1)[0]
    assert "hidden" in prompt
    assert "Get notified when Emma replies?" in page
    assert '<link rel="icon" href="data:image/svg+xml,' in page
