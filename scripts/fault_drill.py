#!/usr/bin/env python
"""Fault drill: users keep chatting while the server is killed (-9) and restarted N times.

Prints acknowledged, stored, delivered, lost and duplicated counts; expected: 0 lost, 0 duplicated.
Not a timed test: run it by hand, e.g. `.venv/bin/python scripts/fault_drill.py --cycles 10`.
"""
from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import signed_in_session, start_live_server  # noqa: E402
from tests.realtime import Tab  # noqa: E402

GIRLS = ("emma", "luna", "sofia", "zoe")


class Chatter(threading.Thread):
    """One user: sends messages one after another, reconnecting and retrying with the same
    client_id until each is acknowledged; a second tab of the same user only observes."""

    def __init__(self, server_holder: dict, messages: int, seed: int, keep_going: threading.Event) -> None:
        super().__init__(daemon=True)
        self.keep_going = keep_going
        self.server_holder = server_holder
        self.messages = messages
        self.random = random.Random(seed)
        self.http = signed_in_session(server_holder["url"])
        self.acknowledged: list[str] = []
        self.sender: Tab | None = None
        self.observer: Tab | None = None
        self.observer_seq = 0
        self.sender_seq = 0
        self.retries = 0
        self.connects = 0

    def fresh_tab(self, role: str, last_seq: int) -> Tab | None:
        """A new tab ("sender" or "observer") that replays from last_seq; None when it cannot connect."""
        self.connects += 1
        try:
            return Tab(self.server_holder["url"], self.http, last_seq=last_seq).connect()
        except Exception:
            return None

    def keep_observer(self) -> None:
        if self.observer is None or not self.observer.client.connected:
            if self.observer is not None:
                self.observer_seq = self.observer.last_seq
                self.observed_before = getattr(self, "observed_before", []) + self.observer.applied
                self.observer.disconnect()
            self.observer = self.fresh_tab("observer", self.observer_seq)

    def run(self) -> None:
        number = 0
        while number < self.messages or self.keep_going.is_set():
            number += 1
            client_id = uuid.uuid4().hex
            girl = self.random.choice(GIRLS)
            while True:
                self.keep_observer()
                if self.sender is None or not self.sender.client.connected:
                    if self.sender is not None:
                        self.sender_seq = self.sender.last_seq
                        self.sender.disconnect()
                    self.sender = self.fresh_tab("sender", self.sender_seq)
                    if self.sender is None:
                        time.sleep(0.2)
                        continue
                try:
                    ack = self.sender.send(girl, f"message {number} from drill", client_id, timeout=3)
                except Exception:  # noqa: BLE001 - no ack (cut, timeout): resend the same client_id
                    self.retries += 1
                    self.sender.disconnect()
                    time.sleep(0.2)
                    continue
                if ack.get("ok"):
                    self.acknowledged.append(client_id)
                    break
                time.sleep(0.5)
            time.sleep(self.random.uniform(0.05, 0.4))

    def observed(self) -> list[tuple[int, str, dict]]:
        current = self.observer.applied if self.observer else []
        return getattr(self, "observed_before", []) + current


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cycles", type=int, default=8, help="kill -9 / restart cycles")
    parser.add_argument("--users", type=int, default=4)
    parser.add_argument("--messages", type=int, default=10, help="messages per user at least")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    instance = Path(tempfile.mkdtemp(prefix="dreamchat-drill-"))
    server = start_live_server(instance, REPLY_DELAY_SCALE="0.3", RATE_LIMIT_MESSAGES="1000")
    holder = {"url": server.url}
    keep_going = threading.Event()
    keep_going.set()
    chatters = [Chatter(holder, args.messages, args.seed * 100 + n, keep_going) for n in range(args.users)]
    for chatter in chatters:
        chatter.start()
    kills = 0
    while kills < args.cycles:
        time.sleep(rng.uniform(0.8, 2.5))
        server.kill()
        kills += 1
        time.sleep(rng.uniform(0.1, 0.5))
        server = server.restart()
    keep_going.clear()
    for chatter in chatters:
        chatter.join(timeout=120)

    database = instance / "dreamchat.db"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with sqlite3.connect(database) as connection:
            unanswered = connection.execute(
                "SELECT count(*) FROM messages WHERE sender = 'user' AND answered_at IS NULL").fetchone()[0]
        if unanswered == 0:
            break
        time.sleep(0.5)
    time.sleep(1.0)
    for chatter in chatters:
        chatter.keep_observer()
    time.sleep(1.0)

    with sqlite3.connect(database) as connection:
        stored = Counter(row[0] for row in connection.execute(
            "SELECT client_id FROM messages WHERE sender = 'user'"))
        replies = connection.execute("SELECT count(*) FROM messages WHERE sender = 'girl'").fetchone()[0]
        user_message_ids = {row[0] for row in connection.execute("SELECT id FROM messages")}
    acknowledged = [client_id for c in chatters for client_id in c.acknowledged]
    delivered = Counter()
    for chatter in chatters:
        for _, name, payload in chatter.observed():
            if name == "message_received" and payload["message"]["sender"] == "user":
                delivered[payload["message"]["client_id"]] += 1
    lost_in_store = [cid for cid in acknowledged if stored[cid] == 0]
    lost_in_delivery = [cid for cid in acknowledged if delivered[cid] == 0]
    duplicated = [cid for cid, count in stored.items() if count > 1] + [
        cid for cid, count in delivered.items() if count > 1]
    server.stop()

    print(f"kill -9 cycles:        {kills}")
    print(f"users x messages:      {args.users} x {args.messages}")
    print(f"(re)connects:          {sum(c.connects for c in chatters)}")
    print(f"sends retried:         {sum(c.retries for c in chatters)}")
    print(f"acknowledged:          {len(acknowledged)}")
    print(f"stored:                {sum(stored.values())}")
    print(f"delivered (other tab): {sum(delivered.values())}")
    print(f"companion replies:     {replies}  (unanswered left: {unanswered})")
    print(f"lost:                  {len(set(lost_in_store) | set(lost_in_delivery))}")
    print(f"duplicated:            {len(duplicated)}")
    print(f"messages in database:  {len(user_message_ids)}")
    return 0 if not (lost_in_store or lost_in_delivery or duplicated or unanswered) else 1


if __name__ == "__main__":
    sys.exit(main())
