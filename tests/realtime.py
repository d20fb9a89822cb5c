"""A Python tab: python-socketio's client following the delivery protocol as the chat page (static/js/chat/) does
(seq order, duplicates dropped, replay on reconnect), for tests against the real server."""
from __future__ import annotations

import threading
import time

import requests
import socketio



def cookie_header(http: requests.Session) -> str:
    return "; ".join(f"{name}={value}" for name, value in http.cookies.items())


class Tab:
    def __init__(self, server_url: str, http: requests.Session, last_seq: int = 0) -> None:
        self.server_url = server_url
        self.http = http
        self.last_seq = last_seq
        self.applied: list[tuple[int, str, dict]] = []
        self.unsequenced: list[tuple[str, dict]] = []
        self.arrivals: list[tuple[float, str, dict]] = []
        self.duplicates_dropped = 0
        self._buffer: dict[int, tuple[str, dict]] = {}
        self._lock = threading.Lock()
        self.client = socketio.Client(reconnection=False)
        self.client.on("*", self._on_event)
        self.client.on("sync", self._on_sync)

    def connect(self) -> "Tab":
        self.client.connect(self.server_url, headers={"Cookie": cookie_header(self.http)},
                            auth={"last_seq": self.last_seq}, transports=["websocket"], wait_timeout=5)
        return self

    def disconnect(self) -> None:
        if self.client.connected:
            self.client.disconnect()

    def _on_sync(self, data) -> None:
        for event in data["events"]:
            self._accept(event["name"], event["payload"])

    def _on_event(self, name, data=None) -> None:
        self.arrivals.append((time.perf_counter(), name, data))
        if isinstance(data, dict) and "seq" in data:
            self._accept(name, data)
        else:
            with self._lock:
                self.unsequenced.append((name, data))

    def _accept(self, name: str, payload: dict) -> None:
        with self._lock:
            seq = payload["seq"]
            if seq <= self.last_seq or seq in self._buffer:
                self.duplicates_dropped += 1
                return
            self._buffer[seq] = (name, payload)
            while self.last_seq + 1 in self._buffer:
                self.last_seq += 1
                event_name, event_payload = self._buffer.pop(self.last_seq)
                self.applied.append((self.last_seq, event_name, event_payload))

    def note_ack(self, ack: dict) -> None:
        """The sending tab gets its own message in the ack, not as an event."""
        if ack.get("seq"):
            self._accept("message_received", {"message": ack["message"], "seq": ack["seq"]})

    def send(self, girl_id: str, content: str, client_id: str, timeout: float = 10) -> dict:
        ack = self.client.call("send_message", {"girl_id": girl_id, "content": content, "client_id": client_id},
                               timeout=timeout)
        self.note_ack(ack)
        return ack

    def messages(self, sender: str | None = None) -> list[dict]:
        with self._lock:
            found = [payload["message"] for _, name, payload in self.applied
                     if name in ("message_received", "photo_generated")]
        return [m for m in found if sender is None or m["sender"] == sender]

    def wait_for(self, predicate, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self):
                return
            time.sleep(0.02)
        raise AssertionError(f"timed out; applied {[(s, n) for s, n, _ in self.applied]}")
