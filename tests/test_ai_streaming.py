"""A real model behind the real eventlet server: the fake OpenAI-compatible server streams, fails
and recovers; real Socket.IO clients watch the reply arrive."""
import uuid

import pytest

from tests.conftest import signed_in_session
from tests.fake_openai import cut, reply, server_error
from tests.realtime import Tab


@pytest.fixture
def ai_server(fake_openai, start_server):
    return start_server(AI_PROVIDER="openai", AI_BASE_URL=fake_openai.base_url, AI_MODEL="fake-model",
                        AI_API_KEY="sk-test", REPLY_DELAY_SCALE="0", AI_MAX_RETRIES="2", AI_TIMEOUT_SECONDS="5")


def deltas_of(tab: Tab) -> list[dict]:
    return [data for name, data in tab.unsequenced if name == "message_delta"]


def test_reply_streams_in_order_and_the_final_text_is_their_sum(ai_server, fake_openai):
    text = "Bonsoir! I was just thinking about you and the stars over the Seine tonight."
    fake_openai.script(reply(text, deltas=8, chunk_delay=0.05))
    http = signed_in_session(ai_server.url)
    tab = Tab(ai_server.url, http).connect()
    assert tab.send("emma", "Hi Emma, what are you doing?", uuid.uuid4().hex)["ok"]
    tab.wait_for(lambda t: t.messages("girl"))
    deltas = deltas_of(tab)
    assert len(deltas) == 8
    assert [d["offset"] for d in deltas] == [sum(len(x["delta"]) for x in deltas[:i]) for i in range(8)]
    final = tab.messages("girl")[0]
    assert final["content"] == "".join(d["delta"] for d in deltas) == text
    assert {d["message_id"] for d in deltas} == {final["id"]}
    typing = [data["is_typing"] for name, data in tab.unsequenced if name == "typing"]
    assert typing == [True, False]
    first_delta = next(i for i, (name, _) in enumerate(tab.unsequenced) if name == "message_delta")
    typing_off = [i for i, (name, data) in enumerate(tab.unsequenced) if name == "typing" and not data["is_typing"]]
    assert typing_off[0] < first_delta

    prompt = fake_openai.requests[0]
    assert prompt["stream"] is True and prompt["model"] == "fake-model"
    assert prompt["messages"][0]["role"] == "system" and "Emma" in prompt["messages"][0]["content"]
    assert prompt["messages"][-1]["role"] == "user"
    assert prompt["messages"][-1]["content"].endswith("[End of notes.]\nHi Emma, what are you doing?")
    tab.disconnect()


def test_a_tab_that_connects_mid_stream_gets_the_partial_text_then_the_rest(ai_server, fake_openai):
    text = "Let me tell you a long story about the night I got lost in Montmartre with my camera."
    fake_openai.script(reply(text, deltas=10, chunk_delay=0.25))
    http = signed_in_session(ai_server.url)
    first = Tab(ai_server.url, http).connect()
    assert first.send("emma", "tell me a story", uuid.uuid4().hex)["ok"]
    first.wait_for(lambda t: len(deltas_of(t)) >= 3)
    late = Tab(ai_server.url, http, last_seq=first.last_seq).connect()
    late.wait_for(lambda t: t.messages("girl"), timeout=20)
    received = deltas_of(late)
    assert received[0]["offset"] == 0 and len(received[0]["delta"]) > 0
    rebuilt = ""
    for delta in received:
        if delta["offset"] <= len(rebuilt):
            rebuilt = rebuilt[:delta["offset"]] + delta["delta"]
    assert rebuilt == text == late.messages("girl")[0]["content"]
    assert len(received) < len(deltas_of(first))
    first.disconnect()
    late.disconnect()


def test_provider_down_keeps_the_message_shows_retry_and_retry_answers_once(ai_server, fake_openai):
    fake_openai.script(server_error(), server_error(), server_error(), reply("I'm back! Sorry about that.", deltas=2))
    http = signed_in_session(ai_server.url)
    tab = Tab(ai_server.url, http).connect()
    ack = tab.send("luna", "are you there?", uuid.uuid4().hex)
    assert ack["ok"]
    tab.wait_for(lambda t: any(name == "chat_error" for _, name, _ in t.applied))
    error = [payload for _, name, payload in tab.applied if name == "chat_error"][0]
    assert error["retry"] == "reply" and error["girl_id"] == "luna" and error["code"] == "server"
    assert not tab.messages("girl")
    page = http.get(ai_server.url + "/chat/luna").text
    assert "data-reply-failed=\"true\"" in page

    assert tab.client.call("retry_reply", {"girl_id": "luna"}) == {"ok": True}
    tab.wait_for(lambda t: t.messages("girl"))
    assert [m["content"] for m in tab.messages("girl")] == ["I'm back! Sorry about that."]
    assert len(fake_openai.requests) == 4


def test_a_stream_cut_midway_leaves_no_partial_reply_and_can_be_retried(ai_server, fake_openai):
    fake_openai.script(cut("This will never be finished because", after=2, deltas=4), reply("Second try works.", deltas=2))
    http = signed_in_session(ai_server.url)
    tab = Tab(ai_server.url, http).connect()
    assert tab.send("zoe", "yo", uuid.uuid4().hex)["ok"]
    tab.wait_for(lambda t: any(name == "chat_error" for _, name, _ in t.applied))
    stream_ids = {d["message_id"] for d in deltas_of(tab)}
    deleted = [p["message_id"] for _, name, p in tab.applied if name == "message_deleted"]
    assert stream_ids and set(deleted) == stream_ids
    history = http.get(ai_server.url + "/api/conversations/zoe/messages").json()["messages"]
    assert [m["sender"] for m in history] == ["user"]
    assert tab.client.call("retry_reply", {"girl_id": "zoe"})["ok"]
    tab.wait_for(lambda t: t.messages("girl"))
    history = http.get(ai_server.url + "/api/conversations/zoe/messages").json()["messages"]
    assert [(m["sender"], m["content"]) for m in history][1:] == [("girl", "Second try works.")]


def test_the_prompt_carries_memory_from_earlier_sessions(ai_server, fake_openai):
    http = signed_in_session(ai_server.url)
    tab = Tab(ai_server.url, http).connect()
    ack = tab.send("sofia", "Hola! My name is Camille and I love flamenco", uuid.uuid4().hex)
    tab.wait_for(lambda t: t.messages("girl"))
    assert tab.client.call("delete_message", {"girl_id": "sofia", "message_id": ack["message"]["id"]})["ok"]
    tab.disconnect()
    later = Tab(ai_server.url, http).connect()
    later.send("sofia", "what do you remember about me?", uuid.uuid4().hex)
    later.wait_for(lambda t: len(t.messages("girl")) == 2)
    system, notes = fake_openai.requests[-1]["messages"][:2]
    assert system["role"] == "system" and "Camille" not in system["content"]
    assert notes["role"] == "user"
    assert "name: Camille" in notes["content"] and "flamenco" in notes["content"]
    history = [m["content"] for m in fake_openai.requests[-1]["messages"][1:]]
    assert "Hola! My name is Camille and I love flamenco" not in history
    assert "what do you remember about me?" not in system["content"]
    later.disconnect()


def test_with_the_offline_fallback_a_dead_model_still_gets_an_answer(fake_openai, start_server):
    fake_openai.script(*[server_error() for _ in range(3)])
    server = start_server(AI_PROVIDER="openai", AI_BASE_URL=fake_openai.base_url, AI_MODEL="fake-model",
                          REPLY_DELAY_SCALE="0", AI_MAX_RETRIES="2", AI_FALLBACK="offline")
    http = signed_in_session(server.url)
    tab = Tab(server.url, http).connect()
    assert tab.send("zoe", "hey zoe, I'm Kim!", uuid.uuid4().hex)["ok"]
    tab.wait_for(lambda t: t.messages("girl"))
    assert "kim" in tab.messages("girl")[0]["content"].lower()
    assert not any(name == "chat_error" for _, name, _ in tab.applied)
    assert len(fake_openai.requests) == 3
    tab.disconnect()
