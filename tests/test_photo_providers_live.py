"""Image generators behind the real eventlet server: progress reaches the page, the photo arrives."""
import uuid

from tests.conftest import signed_in_session
from tests.realtime import Tab


def test_automatic1111_progress_and_photo_reach_every_tab(fake_image_server, start_server):
    fake_image_server.script(duration=1.5)
    server = start_server(PHOTO_PROVIDER="automatic1111", SD_URL=fake_image_server.sd_url, SD_WIDTH="512",
                          SD_HEIGHT="640")
    http = signed_in_session(server.url)
    tab = Tab(server.url, http).connect()
    ack = tab.client.call("request_photo", {"girl_id": "sofia", "context": "cooking paella",
                                            "client_id": uuid.uuid4().hex})
    assert ack["ok"]
    tab.wait_for(lambda t: any(name == "photo_generated" for _, name, _ in t.applied), timeout=20)
    progress = [data["progress"] for name, data in tab.unsequenced if name == "photo_progress"]
    assert progress == sorted(progress) and progress[-1] == 1.0
    assert len([p for p in progress if 0 < p < 1]) >= 2
    generated = [p for _, name, p in tab.applied if name == "photo_generated"][0]
    assert generated["message"]["photo_width"] == 512 and generated["message"]["photo_height"] == 640
    image = http.get(server.url + generated["photo_url"], timeout=5)
    assert image.status_code == 200 and image.headers["Content-Type"] in ("image/png", "image/webp")
    body = fake_image_server.bodies("/sdapi/v1/txt2img")[0]
    assert "paella" in body["prompt"] and body["negative_prompt"]
    tab.disconnect()


def test_generator_down_reports_a_photo_error_and_keeps_chatting(start_server):
    server = start_server(PHOTO_PROVIDER="automatic1111", SD_URL="http://127.0.0.1:9")
    http = signed_in_session(server.url)
    tab = Tab(server.url, http).connect()
    ack = tab.client.call("request_photo", {"girl_id": "zoe", "client_id": uuid.uuid4().hex})
    assert ack["ok"]
    tab.wait_for(lambda t: any(name == "chat_error" for _, name, _ in t.applied), timeout=20)
    error = [p for _, name, p in tab.applied if name == "chat_error"][0]
    assert error["request_id"] == ack["request_id"]
    assert tab.send("zoe", "no worries, how was climbing?", uuid.uuid4().hex)["ok"]
    tab.wait_for(lambda t: t.messages("girl"))
    tab.disconnect()
