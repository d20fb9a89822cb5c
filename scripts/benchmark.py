#!/usr/bin/env python
"""Benchmark of the production path (python app.py, eventlet) on loopback; prints figures, asserts nothing.

- ack round trip of a lone event (typing_indicator) and of send_message (stores and commits);
- last model token -> message_received at the client (a fake OpenAI-compatible server streams);
- server memory (RSS) idle, and with many connected sockets.
Run: `.venv/bin/python scripts/benchmark.py [--replies 30] [--sockets 200]`.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import signed_in_session, start_live_server  # noqa: E402
from tests import fake_openai  # noqa: E402
from tests.fake_openai import FakeOpenAI, reply  # noqa: E402

LAST_MODEL_WRITE: list[float] = []


def record_model_writes() -> None:
    """Note when the fake model writes the end of each stream ([DONE] and the final empty chunk)."""
    handler = fake_openai._ChatCompletionsHandler
    write = handler._write_chunk

    def timed_write(self, data: bytes) -> None:
        write(self, data)
        if data == b"":
            LAST_MODEL_WRITE.append(time.perf_counter())

    handler._write_chunk = timed_write
from tests.realtime import Tab  # noqa: E402


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def summary(values: list[float]) -> str:
    values = sorted(v * 1000 for v in values)
    p90 = values[int(len(values) * 0.9) - 1] if len(values) >= 10 else values[-1]
    return f"median {statistics.median(values):.2f} ms, p90 {p90:.2f} ms, n={len(values)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replies", type=int, default=30)
    parser.add_argument("--sockets", type=int, default=200)
    args = parser.parse_args()

    record_model_writes()
    fake = FakeOpenAI().start()
    server = start_live_server(Path(tempfile.mkdtemp(prefix="dreamchat-bench-")), AI_PROVIDER="openai",
                               AI_BASE_URL=fake.base_url, AI_MODEL="bench", REPLY_DELAY_SCALE="0",
                               RATE_LIMIT_MESSAGES="100000")
    try:
        print(f"server RSS idle: {rss_mib(server.process.pid):.1f} MiB")
        http = signed_in_session(server.url)
        tab = Tab(server.url, http).connect()

        lone = []
        for _ in range(200):
            started = time.perf_counter()
            tab.client.call("typing_indicator", {"girl_id": "emma", "is_typing": False})
            lone.append(time.perf_counter() - started)
        print(f"lone ack (typing_indicator): {summary(lone)}")

        sends, last_token = [], []
        for number in range(args.replies):
            fake.script(reply(f"Reply number {number}, streamed in several pieces to measure the tail.", deltas=6))
            girl_messages = len(tab.messages("girl"))
            started = time.perf_counter()
            tab.send("emma", f"message {number}", uuid.uuid4().hex)
            sends.append(time.perf_counter() - started)
            tab.arrivals.clear()
            tab.wait_for(lambda t: len(t.messages("girl")) > girl_messages, timeout=20)
            final = min(at for at, name, _ in tab.arrivals if name == "message_received")
            last_token.append(final - LAST_MODEL_WRITE[-1])
        print(f"send_message ack (store + commit): {summary(sends)}")
        print(f"end of the model's stream -> message_received at the client: {summary(last_token)}")
        tab.disconnect()

        tabs = [Tab(server.url, http).connect() for _ in range(args.sockets)]
        time.sleep(1)
        print(f"server RSS with {args.sockets} connected sockets: {rss_mib(server.process.pid):.1f} MiB")
        for extra in tabs:
            extra.disconnect()
    finally:
        server.stop()
        fake.stop()


if __name__ == "__main__":
    main()
