"""Socket.IO packets the JSON decoder cannot take safely are refused quietly, never with a traceback."""
import logging

from socketio import packet

from dreamchat import wire_json
from dreamchat.extensions import socketio


def test_ordinary_json_decodes_as_usual():
    assert wire_json.loads('["send_message",{"girl_id":"emma","n":9223372036854775807}]') == [
        "send_message", {"girl_id": "emma", "n": 9223372036854775807}]
    assert wire_json.loads(wire_json.dumps({"a": [1, 2.5, None, True]})) == {"a": [1, 2.5, None, True]}


def test_hostile_json_becomes_an_event_nobody_handles(caplog):
    with caplog.at_level(logging.INFO):
        for text in ("[" * 100_000 + "]" * 100_000, '["x",' + "9" * 5000 + "]", '["x", {"a": 1e400000', "{"):
            assert wire_json.loads(text) == [wire_json.UNDECODABLE]
    assert [record.levelno for record in caplog.records] == [logging.INFO] * 4


def test_a_hostile_packet_leaves_the_connection_up_and_logs_no_error(app, auth_factory, caplog):
    assert packet.Packet.json is wire_json
    _, sio = auth_factory(app)
    with caplog.at_level(logging.INFO):
        for raw in ('2["send_message",' + "[" * 50_000 + "]" * 50_000 + "]",
                    '2["send_message",{"girl_id":"emma","content":"hi","client_id":' + "1" * 3000 + "}]"):
            socketio.server._handle_eio_message(sio.eio_sid, raw)
    assert sio.is_connected()
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    ack = sio.emit("typing_indicator", {"girl_id": "emma", "is_typing": False}, callback=True)
    assert ack == {"ok": True}
