#!/usr/bin/env python
"""DreamChat under load, side by side with a bare Flask-SocketIO echo, on this machine. Prints figures,
asserts nothing.

What runs: the real server (`python app.py` semantics through bench/server.py: eventlet, REPLY_DELAY_SCALE=0,
every rate and daily limit off, SQLite in a temporary directory after `flask db upgrade`, or PostgreSQL
with --database postgresql) and bench/echo_server.py (one handler that acks). Clients are node's official
socket.io-client over websocket (bench/client.mjs); every DreamChat client signs up through the form first.

What it measures:
- throughput: --senders sockets each send --messages `send_message` one after another, waiting for each
  ack; msgs/s until the last ack and (DreamChat) until every message's reply arrived; ack and reply
  p50/p99; server CPU ms and SQL statements per message. Echo and DreamChat rounds alternate
  (--rounds); medians of the rounds, and the DreamChat/echo ratio of each pair.
- a lone user: one sender, --lone-messages back to back, ack p50/p99, both servers.
- memory: RSS per idle socket, with --idle-sockets connected, both servers.
- history: GET /, GET /chat/emma and a send's ack with an empty conversation and with 100,000 stored
  messages (medians of --page-tries), and a replay of 1,000 missed events (`sync`).

Run:
    .venv/bin/python scripts/benchmark.py                     # 100 senders x 20, 3 rounds, SQLite
    .venv/bin/python scripts/benchmark.py --quick             # a smaller, faster run
    .venv/bin/python scripts/benchmark.py --database postgresql
    git worktree add /tmp/before a5c4b63 && .venv/bin/python scripts/benchmark.py --app-dir /tmp/before \
        --json bench/results/before.json --png /tmp/before.png

Writes --json (bench/results/latest.json) and a chart --png (docs/performance.png). Needs node >= 18;
runs `npm ci --prefix bench` when bench/node_modules is missing.
"""
from __future__ import annotations

import argparse
import json
import os
import queue
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import warnings
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PASSWORD = "correct horse battery staple"
POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
POSTGRES_DATABASE = "dreamchat_bench"
COMPANION = "emma"
HISTORY_MESSAGES = 100_000
REPLAY_EVENTS = 1_000

SERVER_ENV = {
    "REPLY_DELAY_SCALE": "0", "SECRET_KEY": "benchmark-secret", "HOST": "127.0.0.1", "LOG_LEVEL": "WARNING",
    "AI_PROVIDER": "offline", "PHOTO_PROVIDER": "local", "PYTHONUNBUFFERED": "1",
    "RATE_LIMIT_MESSAGES": "0", "RATE_LIMIT_PHOTOS": "0", "RATE_LIMIT_SYNCS": "0", "RATE_LIMIT_LOGINS": "0",
    "RATE_LIMIT_SIGNUPS": "0", "DAILY_REPLY_LIMIT": "0", "DAILY_PHOTO_LIMIT": "0",
    "MAX_CONNECTIONS_PER_ADDRESS": "0", "RATE_LIMIT_STORAGE_URL": "memory://",
}
INHERITED_ENV_DROPPED = ("DATABASE_URL", "REDIS_URL", "SOCKETIO_MESSAGE_QUEUE", "ASYNC_MODE", "PORT",
                         "DREAMCHAT_INSTANCE_DIR", "FLASK_APP", "FLASK_DEBUG")

CHILDREN: list[subprocess.Popen] = []


# Processes ----------------------------------------------------------------------------------

def spawn(command: list[str], **kwargs) -> subprocess.Popen:
    process = subprocess.Popen(command, **kwargs)
    CHILDREN.append(process)
    return process


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
    if process in CHILDREN:
        CHILDREN.remove(process)


def stop_all_children() -> None:
    for process in list(CHILDREN):
        try:
            stop(process)
        except Exception:  # noqa: BLE001 - cleaning up on the way out
            process.kill()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A server process on a free port: its CPU time, RSS and (DreamChat) SQL counts."""

    def __init__(self, name: str, command: list[str], cwd: Path, env: dict, log_dir: Path) -> None:
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"{name}-{self.port}.log"
        with open(self.log_path, "ab") as log:
            self.process = spawn(command, cwd=cwd, env={**env, "PORT": str(self.port)}, stdout=log,
                                 stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{name} exited with {self.process.returncode}:\n{self.log()[-3000:]}")
            try:
                if requests.get(self.url + "/healthz", timeout=1).ok:
                    return
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{name} did not start:\n{self.log()[-3000:]}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_kb(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def sql_counts(self) -> dict | None:
        try:
            response = requests.get(self.url + "/__bench__/stats", timeout=5)
            return response.json() if response.ok else None
        except (requests.RequestException, ValueError):
            return None

    def stop(self) -> None:
        stop(self.process)


class NodeClient:
    """bench/client.mjs: ready -> go -> done -> exit, one JSON line per step."""

    def __init__(self, config: dict) -> None:
        self.process = spawn(["node", str(BENCH / "client.mjs"), json.dumps(config)], cwd=BENCH,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def expect(self, event: str, timeout: float = 600) -> dict:
        line = self.lines.get(timeout=timeout)
        if line is None:
            raise RuntimeError(f"node client exited ({self.process.wait()}) before '{event}'")
        message = json.loads(line)
        if message.get("event") != event:
            raise RuntimeError(f"node client: expected {event}, got {message}")
        return message

    def tell(self, word: str) -> None:
        self.process.stdin.write(word + "\n")
        self.process.stdin.flush()

    def close(self) -> None:
        try:
            self.tell("exit")
            self.process.wait(30)
        except (OSError, subprocess.TimeoutExpired):
            pass
        stop(self.process)


# Setup ----------------------------------------------------------------------------------------

def raise_open_file_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def ensure_node_client() -> None:
    if not (BENCH / "node_modules" / "socket.io-client").exists():
        subprocess.run(["npm", "ci", "--prefix", str(BENCH), "--no-audit", "--no-fund"], check=True)


def base_env() -> dict:
    env = {key: value for key, value in os.environ.items() if key not in INHERITED_ENV_DROPPED}
    return {**env, **SERVER_ENV}


class Database:
    """A fresh, migrated DreamChat database for each server: SQLite in a new directory, or the
    dedicated PostgreSQL database dropped and created again."""

    def __init__(self, kind: str, app_dir: Path, workdir: Path) -> None:
        self.kind, self.app_dir, self.workdir = kind, app_dir, workdir
        self.count = 0

    def fresh(self) -> dict:
        self.count += 1
        instance = self.workdir / f"instance-{self.count}"
        instance.mkdir(mode=0o700)
        env = {**base_env(), "DREAMCHAT_INSTANCE_DIR": str(instance), "FLASK_APP": "app.py"}
        if self.kind == "postgresql":
            admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{POSTGRES_DATABASE}" WITH (FORCE)'))
                connection.execute(sa.text(f'CREATE DATABASE "{POSTGRES_DATABASE}"'))
            admin.dispose()
            env["DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:5432/{POSTGRES_DATABASE}"
        subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], cwd=self.app_dir, env=env, check=True,
                       capture_output=True, timeout=120)
        return env

    @staticmethod
    def url(env: dict) -> str:
        return env.get("DATABASE_URL") or f"sqlite:///{env['DREAMCHAT_INSTANCE_DIR']}/dreamchat.db"


def start_dreamchat(env: dict, app_dir: Path, log_dir: Path) -> Server:
    return Server("dreamchat", [sys.executable, str(BENCH / "server.py")], app_dir, env, log_dir)


def start_echo(log_dir: Path) -> Server:
    return Server("echo", [sys.executable, str(BENCH / "echo_server.py")], BENCH, base_env(), log_dir)


def sign_up(server: Server) -> tuple[str, str, requests.Session]:
    """(username, Cookie header, signed-in HTTP session) of a new account made through the form."""
    import re

    http = requests.Session()
    page = http.get(server.url + "/register", timeout=30).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    username = "b" + uuid.uuid4().hex[:12]
    response = http.post(server.url + "/register", timeout=60, allow_redirects=False, data={
        "csrf_token": token, "username": username, "password": PASSWORD, "password_confirm": PASSWORD,
        "adult": "y"})
    if response.status_code != 302:
        raise RuntimeError(f"sign-up failed: {response.status_code} {response.text[:300]}")
    cookie = "; ".join(f"{item.name}={item.value}" for item in http.cookies)
    return username, cookie, http


def sign_up_many(server: Server, count: int) -> list[tuple[str, str, requests.Session]]:
    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(lambda _: sign_up(server), range(count)))


# Measurements ---------------------------------------------------------------------------------

def run_senders(server: Server, senders: int, messages: int, cookies: list[str], replies: bool,
                wait_each_reply: bool = False) -> dict:
    client = NodeClient({"mode": "senders", "url": server.url, "senders": senders, "messages": messages,
                         "cookies": cookies, "girlId": COMPANION, "expectReplies": replies,
                         "waitReply": wait_each_reply, "ackTimeoutMs": 60_000, "replyTimeoutMs": 120_000})
    try:
        ready = client.expect("ready", timeout=120)
        cpu_before, sql_before = server.cpu_seconds(), server.sql_counts()
        client.tell("go")
        result = client.expect("done", timeout=1800)
        cpu_after, sql_after = server.cpu_seconds(), server.sql_counts()
    finally:
        client.close()
    result.pop("event")
    result["connected"], result["connect_failures"] = ready["connected"], ready["failures"]
    acked = max(result["acked"], 1)
    result["cpu_ms_per_msg"] = (cpu_after - cpu_before) * 1000 / acked
    if sql_before and sql_after:
        for key in ("statements", "commits", "checkouts"):
            result[f"{key}_per_msg"] = (sql_after[key] - sql_before[key]) / acked
        if "message_rows" in sql_after:  # the user's messages and the companion's replies (and photos)
            result["replies_per_msg"] = max(0, sql_after["message_rows"] - sql_before["message_rows"] - acked) / acked
    return result


def idle_memory(server: Server, sockets: int, cookie: str | None) -> dict:
    cookies = [cookie] if cookie else []
    warmup = NodeClient({"mode": "idle", "url": server.url, "count": 20, "cookies": cookies})
    warmup.expect("ready", timeout=60)
    warmup.close()
    time.sleep(1)
    before = server.rss_kb()
    client = NodeClient({"mode": "idle", "url": server.url, "count": sockets, "cookies": cookies,
                         "concurrency": 100})
    try:
        ready = client.expect("ready", timeout=600)
        time.sleep(2)
        after = server.rss_kb()
    finally:
        client.close()
    return {"sockets": sockets, "connected": ready["connected"], "failures": ready["failures"],
            "rss_before_kb": before, "rss_after_kb": after,
            "kb_per_socket": (after - before) / max(ready["connected"], 1)}


def timed_gets(http: requests.Session, url: str, tries: int) -> dict:
    times = []
    for _ in range(tries):
        started = time.perf_counter()
        response = http.get(url, timeout=60)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url}: {response.status_code}")
    return {"median_ms": statistics.median(times), "min_ms": min(times), "max_ms": max(times), "n": tries}


def page_figures(server: Server, user: tuple[str, str, requests.Session], tries: int) -> dict:
    _, cookie, http = user
    figures = {"get_index": timed_gets(http, server.url + "/", tries),
               "get_chat": timed_gets(http, server.url + f"/chat/{COMPANION}", tries)}
    sends = run_senders(server, 1, tries, [cookie], replies=True, wait_each_reply=True)
    figures["send_ack"] = {"median_ms": sends["ack_ms"]["p50"], "p99_ms": sends["ack_ms"]["p99"], "n": sends["acked"],
                           "errors": sends["errors"]}
    return figures


def store_history(database_url: str, username: str, messages: int, events: int) -> int:
    """`messages` answered and read messages, half the user's and half Emma's, all before today (UTC),
    and `events` message_received events after them; returns the user's last seq before those events."""
    engine = sa.create_engine(database_url)
    tables = sa.MetaData()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sa.exc.SAWarning)  # expression indexes are not reflected; not needed
        tables.reflect(engine, only=["users", "companions", "messages", "user_events"])
    users, companions = tables.tables["users"], tables.tables["companions"]
    message_table, event_table = tables.tables["messages"], tables.tables["user_events"]
    today = datetime.now(timezone.utc).replace(tzinfo=None, hour=0, minute=0, second=0, microsecond=0)
    first = today - timedelta(seconds=30 * messages + 60)
    with engine.begin() as connection:
        user_id, last_seq = connection.execute(
            sa.select(users.c.id, users.c.last_event_seq).where(users.c.username == username)).one()
        companion_id = connection.scalar(sa.select(companions.c.id).where(companions.c.slug == COMPANION))
        rows = []
        for number in range(messages):
            at = first + timedelta(seconds=30 * number)
            from_user = number % 2 == 0
            rows.append({"user_id": user_id, "companion_id": companion_id,
                         "sender": "user" if from_user else "girl", "type": "text",
                         "content": f"Stored message {number}: a few words about the day, to have some text.",
                         "client_id": f"history-{number:06d}" if from_user else None, "created_at": at,
                         "read_at": at + timedelta(seconds=5), "answered_at": at + timedelta(seconds=10)
                         if from_user else None, "status": "done"})
        connection.execute(message_table.insert(), rows)
        newest = connection.execute(
            sa.select(message_table.c.id, message_table.c.sender, message_table.c.content,
                      message_table.c.client_id, message_table.c.created_at, message_table.c.read_at)
            .where(message_table.c.user_id == user_id).order_by(message_table.c.id.desc()).limit(events)).all()
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        event_rows = []
        for offset, row in enumerate(reversed(newest), start=1):
            message = {"id": row.id, "girl_id": COMPANION, "sender": row.sender, "type": "text",
                       "content": row.content, "created_at": row.created_at.isoformat(timespec="milliseconds") + "Z",
                       "read_at": row.read_at.isoformat(timespec="milliseconds") + "Z"}
            if row.client_id:
                message["client_id"] = row.client_id
            event_rows.append({"user_id": user_id, "seq": last_seq + offset, "name": "message_received",
                               "payload_json": json.dumps({"message": message, "seq": last_seq + offset}),
                               "created_at": now})
        connection.execute(event_table.insert(), event_rows)
        connection.execute(users.update().where(users.c.id == user_id).values(last_event_seq=last_seq + events))
    engine.dispose()
    return last_seq


def replay_figures(server: Server, cookie: str, last_seq: int, tries: int) -> dict:
    client = NodeClient({"mode": "replay", "url": server.url, "cookies": [cookie], "lastSeq": last_seq,
                         "tries": tries})
    try:
        client.expect("ready", timeout=60)
        client.tell("go")
        result = client.expect("done", timeout=600)
    finally:
        client.close()
    result.pop("event")
    return result


# Figures --------------------------------------------------------------------------------------

def median_of(rounds: list[dict], *path: str) -> float | None:
    values = []
    for item in rounds:
        for key in path:
            item = item.get(key) if isinstance(item, dict) else None
        if isinstance(item, (int, float)):
            values.append(item)
    return statistics.median(values) if values else None


def throughput_summary(rounds: list[dict]) -> dict:
    keys = {"msgs_per_s_acked": ("msgs_per_s_acked",), "msgs_per_s_complete": ("msgs_per_s_complete",),
            "ack_p50_ms": ("ack_ms", "p50"), "ack_p99_ms": ("ack_ms", "p99"),
            "reply_p50_ms": ("reply_ms", "p50"), "reply_p99_ms": ("reply_ms", "p99"),
            "cpu_ms_per_msg": ("cpu_ms_per_msg",), "statements_per_msg": ("statements_per_msg",),
            "commits_per_msg": ("commits_per_msg",), "checkouts_per_msg": ("checkouts_per_msg",),
            "replies_per_msg": ("replies_per_msg",)}
    summary = {name: median_of(rounds, *path) for name, path in keys.items()}
    summary["errors"] = {}
    for item in rounds:
        for code, count in item.get("errors", {}).items():
            summary["errors"][code] = summary["errors"].get(code, 0) + count
    summary["unanswered"] = sum(item.get("unanswered", 0) for item in rounds)
    return summary


def fmt(value, digits: int = 1, suffix: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and abs(value) >= 100:
        return f"{value:,.0f}{suffix}"
    return f"{value:,.{digits}f}{suffix}"


def pair(first, second, digits: int = 1) -> str:
    return "-" if first is None else f"{fmt(first, digits)} / {fmt(second, digits)}"


def print_report(results: dict) -> None:
    setup = results["setup"]
    print()
    print(f"DreamChat benchmark  {setup['started_at']}  {setup['database']}, {setup['senders']} senders x "
          f"{setup['messages']} messages, {setup['rounds']} round(s), {setup['cpus']} CPUs")
    print(f"app: {setup['app_dir']} @ {setup['app_commit']}; load average (1 min) before the run "
          f"{setup['load_average_before']}, after {setup.get('load_average_after')}")
    rows = []
    echo, chat = results["throughput"]["echo"], results["throughput"]["dreamchat"]
    ratios = results["throughput"]["ratios"]
    rows.append(("msgs/s, acked", fmt(echo["msgs_per_s_acked"], 0), fmt(chat["msgs_per_s_acked"], 0),
                 fmt(ratios["acked"], 3, "x")))
    rows.append(("msgs/s, until the last reply", "", fmt(chat["msgs_per_s_complete"], 0),
                 fmt(ratios["complete"], 3, "x")))
    rows.append(("ack p50 / p99 ms", pair(echo["ack_p50_ms"], echo["ack_p99_ms"]),
                 pair(chat["ack_p50_ms"], chat["ack_p99_ms"]), ""))
    rows.append(("reply p50 / p99 ms (from the send)", "", pair(chat["reply_p50_ms"], chat["reply_p99_ms"]), ""))
    rows.append(("server CPU ms per message", fmt(echo["cpu_ms_per_msg"], 2), fmt(chat["cpu_ms_per_msg"], 2), ""))
    rows.append(("SQL statements / commits / checkouts per msg", "",
                 f"{fmt(chat['statements_per_msg'])} / {fmt(chat['commits_per_msg'])} / "
                 f"{fmt(chat['checkouts_per_msg'])}", ""))
    if chat.get("replies_per_msg") is not None:
        rows.append(("companion replies per message (answered together)", "", fmt(chat["replies_per_msg"], 2), ""))
    if chat["errors"] or chat["unanswered"] or echo["errors"]:
        rows.append(("errors (all rounds)", json.dumps(echo["errors"]) if echo["errors"] else "",
                     f"{json.dumps(chat['errors'])} unanswered {chat['unanswered']}", ""))
    lone = results.get("lone")
    if lone:
        rows.append((f"lone user ack p50 / p99 ms ({lone['messages']} msgs)",
                     pair(lone["echo"]["ack_p50_ms"], lone["echo"]["ack_p99_ms"], 2),
                     pair(lone["dreamchat"]["ack_p50_ms"], lone["dreamchat"]["ack_p99_ms"], 2), ""))
    memory = results.get("memory")
    if memory:
        rows.append((f"RSS KB per idle socket ({memory['echo']['sockets']} sockets)",
                     f"{fmt(memory['echo']['kb_per_socket'])} ({memory['echo']['connected']} up)",
                     f"{fmt(memory['dreamchat']['kb_per_socket'])} ({memory['dreamchat']['connected']} up)", ""))
    print_table(("", "echo", "dreamchat", "dreamchat/echo"), rows)
    if "throughput_rounds" in results:
        print("per round (echo msgs/s, dreamchat msgs/s acked, until last reply): " + "; ".join(
            f"{fmt(e['msgs_per_s_acked'], 0)}, {fmt(d['msgs_per_s_acked'], 0)}, {fmt(d['msgs_per_s_complete'], 0)}"
            for e, d in zip(results["throughput_rounds"]["echo"], results["throughput_rounds"]["dreamchat"])))
    history = results.get("history")
    if history:
        print()
        rows = []
        for key, label in (("get_index", "GET / ms"), ("get_chat", f"GET /chat/{COMPANION} ms"),
                           ("send_ack", "send_message ack ms")):
            empty, full = history["empty"][key]["median_ms"], history["full"][key]["median_ms"]
            rows.append((label, fmt(empty, 2), fmt(full, 2), fmt(full / empty if empty else None, 2, "x")))
        print_table(("medians", "empty", f"{HISTORY_MESSAGES:,} messages", "ratio"), rows)
        replay = history["replay"]
        for key, label in (("sync_event", "emit sync"), ("connect_with_last_seq", "connect with auth.last_seq")):
            last = replay[key]["last"]
            kind = ("replay" if last.get("reset") is False and last.get("events") == REPLAY_EVENTS
                    else "RESET" if last.get("reset") else f"partial ({last.get('events')} events)")
            print(f"{REPLAY_EVENTS:,} missed events, {label}: median {fmt(replay[key]['ms']['p50'], 1)} ms, "
                  f"{kind}: {last.get('events')} events, {fmt(last.get('bytes'), 0)} bytes")
    print()


def print_table(header: tuple, rows: list[tuple]) -> None:
    widths = [max(len(str(row[index])) for row in [header, *rows]) for index in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(str(cell).ljust(widths[0]) if index == 0 else str(cell).rjust(widths[index])
                        for index, cell in enumerate(row)))


def draw_chart(results: dict, path: Path) -> None:
    from PIL import Image, ImageDraw, ImageFont

    echo, chat = results["throughput"]["echo"], results["throughput"]["dreamchat"]
    lone = results.get("lone") or {}
    panels = [
        (f"messages/s at {results['setup']['senders']} senders", [
            ("echo", echo["msgs_per_s_acked"], "#9aa5b1"),
            ("DreamChat", chat["msgs_per_s_acked"], "#d9467a"),
            ("+ replies", chat["msgs_per_s_complete"], "#8e2c57")]),
        ("ack ms (p50, p99)", [
            ("echo p50", echo["ack_p50_ms"], "#9aa5b1"), ("echo p99", echo["ack_p99_ms"], "#6b7682"),
            ("DC p50", chat["ack_p50_ms"], "#d9467a"), ("DC p99", chat["ack_p99_ms"], "#8e2c57")]),
    ]
    if lone:
        panels.append(("lone user ack ms (p50, p99)", [
            ("echo p50", lone["echo"]["ack_p50_ms"], "#9aa5b1"), ("echo p99", lone["echo"]["ack_p99_ms"], "#6b7682"),
            ("DC p50", lone["dreamchat"]["ack_p50_ms"], "#d9467a"),
            ("DC p99", lone["dreamchat"]["ack_p99_ms"], "#8e2c57")]))
    panel_width, height, margin = 300, 300, 20
    image = Image.new("RGB", (panel_width * len(panels) + margin, height + 50), "white")
    draw = ImageDraw.Draw(image)
    try:
        font, small = ImageFont.load_default(size=15), ImageFont.load_default(size=12)
    except TypeError:
        font = small = ImageFont.load_default()
    setup = results["setup"]
    draw.text((margin, 8), f"DreamChat vs bare Flask-SocketIO echo  ({setup['database']}, {setup['started_at'][:10]}, "
                           f"{setup['app_commit']})", fill="black", font=font)
    for index, (title, bars) in enumerate(panels):
        left, top, bottom = margin + index * panel_width, 50, height + 10
        draw.text((left, top - 16), title, fill="black", font=font)
        peak = max((value or 0) for _, value, _ in bars) or 1
        bar_width = (panel_width - 40) // len(bars)
        for position, (label, value, color) in enumerate(bars):
            x = left + position * bar_width
            bar_top = bottom - 30 - int((value or 0) / peak * (bottom - top - 60))
            draw.rectangle((x + 6, bar_top, x + bar_width - 6, bottom - 30), fill=color)
            draw.text((x + 6, bar_top - 15), fmt(value, 1 if (value or 0) < 10 else 0), fill="black", font=small)
            draw.text((x + 4, bottom - 24), label, fill="black", font=small)
    ratios = results["throughput"]["ratios"]
    draw.text((margin, height + 28), f"DreamChat/echo msgs/s: {fmt(ratios['acked'], 2, 'x')} acked, "
                                     f"{fmt(ratios['complete'], 2, 'x')} with every reply  "
                                     f"(median of {setup['rounds']} interleaved rounds, {setup['senders']} senders x "
                                     f"{setup['messages']}, scripts/benchmark.py)", fill="black", font=small)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)


# The run --------------------------------------------------------------------------------------

def app_commit(app_dir: Path) -> str:
    result = subprocess.run(["git", "-C", str(app_dir), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True)
    dirty = subprocess.run(["git", "-C", str(app_dir), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return (result.stdout.strip() or "unknown") + ("+changes" if dirty else "")


def measure_throughput(args, echo: Server, chat: Server, cookies: list[str], results: dict) -> None:
    print(f"warm-up: {args.senders} senders x 2 on each server", flush=True)
    run_senders(echo, args.senders, 2, [], replies=False)
    run_senders(chat, args.senders, 2, cookies, replies=True)
    rounds: dict[str, list] = {"echo": [], "dreamchat": []}
    lone_rounds: dict[str, list] = {"echo": [], "dreamchat": []}
    for number in range(1, args.rounds + 1):
        rounds["echo"].append(run_senders(echo, args.senders, args.messages, [], replies=False))
        rounds["dreamchat"].append(run_senders(chat, args.senders, args.messages, cookies, replies=True))
        echo_round, chat_round = rounds["echo"][-1], rounds["dreamchat"][-1]
        print(f"round {number}: echo {fmt(echo_round['msgs_per_s_acked'], 0)} msgs/s (ack p50 "
              f"{fmt(echo_round['ack_ms']['p50'])} ms), dreamchat {fmt(chat_round['msgs_per_s_acked'], 0)} acked, "
              f"{fmt(chat_round['msgs_per_s_complete'], 0)} with replies (ack p50 {fmt(chat_round['ack_ms']['p50'])}"
              f" ms, p99 {fmt(chat_round['ack_ms']['p99'])} ms), {fmt(chat_round['cpu_ms_per_msg'])} CPU ms/msg, "
              f"{chat_round['unanswered']} unanswered, errors {chat_round['errors']}", flush=True)
        if args.lone_messages:
            lone_rounds["echo"].append(run_senders(echo, 1, args.lone_messages, [], replies=False))
            lone_rounds["dreamchat"].append(run_senders(chat, 1, args.lone_messages, cookies[:1], replies=True))
            print(f"  lone user: echo ack p50 {fmt(lone_rounds['echo'][-1]['ack_ms']['p50'], 2)} ms, dreamchat "
                  f"{fmt(lone_rounds['dreamchat'][-1]['ack_ms']['p50'], 2)} ms", flush=True)
    pairs = list(zip(rounds["echo"], rounds["dreamchat"]))
    results["throughput_rounds"] = rounds
    results["throughput"] = {
        "echo": throughput_summary(rounds["echo"]), "dreamchat": throughput_summary(rounds["dreamchat"]),
        "ratios": {
            "acked": statistics.median(d["msgs_per_s_acked"] / e["msgs_per_s_acked"] for e, d in pairs),
            "complete": statistics.median(d["msgs_per_s_complete"] / e["msgs_per_s_acked"] for e, d in pairs)}}
    if args.lone_messages:
        results["lone"] = {"messages": args.lone_messages, "rounds": lone_rounds,
                           "echo": throughput_summary(lone_rounds["echo"]),
                           "dreamchat": throughput_summary(lone_rounds["dreamchat"])}


def measure_history(args, database: Database, log_dir: Path, results: dict) -> None:
    env = database.fresh()
    server = start_dreamchat(env, args.app_dir, log_dir)
    try:
        user = sign_up(server)
        print(f"history: empty conversation, {args.page_tries} tries each", flush=True)
        empty = page_figures(server, user, args.page_tries)
    finally:
        server.stop()
    print(f"history: storing {HISTORY_MESSAGES:,} messages and {REPLAY_EVENTS:,} events", flush=True)
    last_seq = store_history(Database.url(env), user[0], HISTORY_MESSAGES, REPLAY_EVENTS)
    server = start_dreamchat(env, args.app_dir, log_dir)
    try:
        replay = replay_figures(server, user[1], last_seq, args.replay_tries)
        print(f"history: {HISTORY_MESSAGES:,} messages", flush=True)
        full = page_figures(server, user, args.page_tries)
    finally:
        server.stop()
    results["history"] = {"messages": HISTORY_MESSAGES, "empty": empty, "full": full, "replay": replay,
                          "replay_from_seq": last_seq}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--senders", type=int, default=100)
    parser.add_argument("--messages", type=int, default=20, help="messages per sender")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved echo/DreamChat rounds")
    parser.add_argument("--lone-messages", type=int, default=200, help="lone user's messages per round (0: skip)")
    parser.add_argument("--idle-sockets", type=int, default=1000)
    parser.add_argument("--page-tries", type=int, default=30)
    parser.add_argument("--replay-tries", type=int, default=10)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--app-dir", type=Path, default=ROOT, help="checkout whose server is measured")
    parser.add_argument("--skip-pages", action="store_true", help="no 100k-message history or replay")
    parser.add_argument("--skip-memory", action="store_true", help="no idle-socket RSS")
    parser.add_argument("--quick", action="store_true",
                        help="20 senders x 10, 1 round, 50 lone messages, 200 idle sockets, 10 page tries")
    parser.add_argument("--json", type=Path, default=BENCH / "results" / "latest.json")
    parser.add_argument("--png", type=Path, default=ROOT / "docs" / "performance.png")
    args = parser.parse_args()
    if args.quick:
        args.senders, args.messages, args.rounds = 20, 10, 1
        args.lone_messages, args.idle_sockets, args.page_tries, args.replay_tries = 50, 200, 10, 3
    args.app_dir = args.app_dir.resolve()

    signal.signal(signal.SIGINT, signal.default_int_handler)  # also when started in the background
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    open_files = raise_open_file_limit()
    ensure_node_client()
    workdir = Path(tempfile.mkdtemp(prefix="dreamchat-bench-"))
    log_dir = workdir / "logs"
    log_dir.mkdir()
    results: dict = {"setup": {
        "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "database": args.database,
        "senders": args.senders, "messages": args.messages, "rounds": args.rounds, "app_dir": str(args.app_dir),
        "app_commit": app_commit(args.app_dir), "cpus": os.cpu_count(), "open_files_limit": open_files,
        "load_average_before": round(os.getloadavg()[0], 2),
        "node": subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip(),
        "python": sys.version.split()[0], "server_env": SERVER_ENV}}
    load = os.getloadavg()[0]
    if load > 0.5:
        print(f"note: load average {load:.2f} on {os.cpu_count()} CPUs before the run; other processes "
              f"share the machine and the figures will be noisy (the ratios less so)", flush=True)
    try:
        database = Database(args.database, args.app_dir, workdir)
        echo = start_echo(log_dir)
        chat = start_dreamchat(database.fresh(), args.app_dir, log_dir)
        print(f"signing up {args.senders} users through the form", flush=True)
        users = sign_up_many(chat, args.senders)
        cookies = [cookie for _, cookie, _ in users]
        if not args.skip_memory:
            print(f"memory: {args.idle_sockets} idle sockets on each server", flush=True)
            results["memory"] = {"echo": idle_memory(echo, args.idle_sockets, None),
                                 "dreamchat": idle_memory(chat, args.idle_sockets, cookies[0])}
        measure_throughput(args, echo, chat, cookies, results)
        chat.stop()
        echo.stop()
        if not args.skip_pages:
            measure_history(args, database, log_dir, results)
        errors_logged = [line for path in log_dir.glob("dreamchat-*.log")
                         for line in path.read_text(errors="replace").splitlines()
                         if "ERROR" in line or "Traceback" in line]
        results["server_log_errors"] = errors_logged[:50]
        results["setup"]["load_average_after"] = round(os.getloadavg()[0], 2)
        results["logs"] = str(log_dir)
        print_report(results)
        if errors_logged:
            print(f"{len(errors_logged)} error lines in the server logs ({log_dir}), first: {errors_logged[0]}")
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")
        draw_chart(results, args.png)
        print(f"wrote {args.json} and {args.png}")
        if not errors_logged:
            shutil.rmtree(workdir, ignore_errors=True)
    finally:
        stop_all_children()
        if workdir.exists():
            print(f"server logs kept in {log_dir}")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted; every server and client process was stopped")
