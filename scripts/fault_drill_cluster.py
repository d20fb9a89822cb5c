#!/usr/bin/env python
"""Fault drill for N processes behind nginx: users keep chatting while a random process is killed
(kill -9) and restarted every few seconds. scripts/fault_drill.py's drill, on scripts/cluster.py.

Each user has a sending tab and a second, observing tab (from other client addresses, so nginx's
ip_hash puts them on different processes). The sending tab sends one message after another, each
with a client_id, and resends it with the same client_id after every reconnect until it is
acknowledged (the page's outbox). A tab cut by a kill reconnects through nginx with its last seq.

Prints acknowledged, stored, delivered (to the other tab), lost (acknowledged but not stored, or never
delivered), duplicated (a client_id stored or delivered twice) and the replies check: every answered
user message is answered by exactly one reply (more than one = a duplicated reply; none = a reply
lost). Expected: 0 lost, 0 duplicated, 0 duplicated replies, 0 unanswered.

    .venv/bin/python scripts/fault_drill_cluster.py                  # 3 processes, 6 users, ~40 s of kills
    .venv/bin/python scripts/fault_drill_cluster.py --kills 20 --users 10
    .venv/bin/python scripts/fault_drill_cluster.py --throughput      # msgs/s with 1, 2 and 3 processes

Needs nginx (scripts/install-nginx), PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379.
"""
from __future__ import annotations

import argparse
import random
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import cluster as cluster_script  # noqa: E402
import fault_drill  # noqa: E402
from tests.conftest import signed_in_session  # noqa: E402

GIRLS = ("emma", "luna", "sofia", "zoe")
NO_LIMITS = {"RATE_LIMIT_MESSAGES": "0", "RATE_LIMIT_PHOTOS": "0", "RATE_LIMIT_SYNCS": "0",
             "RATE_LIMIT_LOGINS": "0", "RATE_LIMIT_SIGNUPS": "0", "DAILY_REPLY_LIMIT": "0",
             "DAILY_PHOTO_LIMIT": "0", "LOG_LEVEL": "WARNING"}


class Chatter(fault_drill.Chatter):
    """fault_drill's user (a sending tab and an observing tab, each reconnected with its last seq when
    cut), whose tabs connect through nginx from addresses of their own (ip_hash spreads them)."""

    def __init__(self, url: str, number: int, messages: int, seed: int, keep_going: threading.Event) -> None:
        super().__init__({"url": url}, messages, seed, keep_going)
        self.url = url
        self.addresses = {"sender": cluster_script.loopback_address(2 * number),
                          "observer": cluster_script.loopback_address(2 * number + 1)}
        self.Tab = cluster_script.tab_class()
        self.observed_before: list = []
        self.upstreams: Counter = Counter()
        self.connect_errors: Counter = Counter()

    def fresh_tab(self, role: str, last_seq: int):
        self.connects += 1
        try:
            tab = self.Tab(self.url, self.http, last_seq=last_seq, source_address=self.addresses[role]).connect()
        except Exception as error:  # noqa: BLE001 - a process is down or restarting: try again
            self.connect_errors[str(error)[:80]] += 1
            return None
        self.upstreams[tab.upstream] += 1
        return tab

    def observed_client_ids(self) -> set[str]:
        return {payload["message"].get("client_id") for _, name, payload in self.observed()
                if name == "message_received" and payload["message"]["sender"] == "user"}


def unanswered_count(engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(sa.text(
            "SELECT count(*) FROM messages WHERE sender = 'user' AND answered_at IS NULL"))


def reply_check(engine) -> dict:
    """Every answered user message against the replies: a reply is stored in the transaction that
    marks the messages it answers, with created_at = their answered_at (one `now`). So per answered
    group exactly one companion text reply has that created_at; a reply matching no group is extra."""
    with engine.connect() as connection:
        groups = connection.execute(sa.text(
            "SELECT user_id, companion_id, answered_at, count(*) FROM messages "
            "WHERE sender = 'user' AND answered_at IS NOT NULL GROUP BY user_id, companion_id, answered_at")).all()
        replies = Counter((row[0], row[1], row[2]) for row in connection.execute(sa.text(
            "SELECT user_id, companion_id, created_at FROM messages "
            "WHERE sender = 'girl' AND type = 'text' AND status = 'done'")))
        streams_left = connection.scalar(sa.text("SELECT count(*) FROM messages WHERE status <> 'done'"))
    by_group = {(g[0], g[1], g[2]): g[3] for g in groups}
    answered_by = Counter()
    for key, messages in by_group.items():
        answered_by[replies.get(key, 0)] += messages
    extra = sum(count for key, count in replies.items() if key not in by_group)
    return {"groups": len(by_group), "messages_by_reply_count": dict(answered_by), "replies": sum(replies.values()),
            "replies_answering_nothing": extra, "unfinished_streams": streams_left}


def serving(backend) -> bool:
    """Running and answering (a restarted process takes a few seconds to load before it listens)."""
    if not backend.alive():
        return False
    try:
        return requests.get(backend.url + "/healthz", timeout=1).ok
    except requests.RequestException:
        return False


def drill(args) -> int:
    rng = random.Random(args.seed)
    print(f"starting {args.processes} processes behind nginx ...", flush=True)
    cluster = cluster_script.start_cluster(args.processes, env={
        **NO_LIMITS, "REPLY_DELAY_SCALE": str(args.reply_delay_scale),
        # A killed process's claims are taken over after the lease; short here so the drill ends soon.
        "WORK_LEASE_SECONDS": "5", "WORK_SWEEP_SECONDS": "2"})
    engine = sa.create_engine(cluster.database_url)
    try:
        keep_going = threading.Event()
        keep_going.set()
        chatters = [Chatter(cluster.url, n, args.messages, args.seed * 100 + n, keep_going) for n in range(args.users)]
        for chatter in chatters:
            chatter.start()
        kills = 0
        started = time.monotonic()
        while kills < args.kills:
            time.sleep(rng.uniform(args.kill_every * 0.5, args.kill_every * 1.5))
            ready = [b.index for b in cluster.backends if serving(b)]
            if len(ready) < 2:
                continue  # keep at least one process serving
            victim = rng.choice(ready)
            cluster.kill(victim)
            kills += 1
            print(f"  {time.monotonic() - started:5.1f} s  kill -9 process {victim}; restarting it", flush=True)
            time.sleep(rng.uniform(0.1, 0.5))
            cluster.start_process(victim, wait=False)
        keep_going.clear()
        for chatter in chatters:
            chatter.join(timeout=180)
        stuck = [c for c in chatters if c.is_alive()]
        for index in range(len(cluster.backends)):
            if cluster.backends[index].alive():
                cluster.wait_ready(index)

        deadline = time.monotonic() + 120
        unanswered = unanswered_count(engine)
        while unanswered and time.monotonic() < deadline:
            time.sleep(0.5)
            unanswered = unanswered_count(engine)
        # The observing tabs catch up (a reconnect replays what they missed).
        for chatter in chatters:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                chatter.keep_observer()
                if set(chatter.acknowledged) <= chatter.observed_client_ids():
                    break
                time.sleep(0.2)
        time.sleep(2.0)

        with engine.connect() as connection:
            stored = Counter(row[0] for row in connection.execute(sa.text(
                "SELECT client_id FROM messages WHERE sender = 'user'")))
        replies = reply_check(engine)
        acknowledged = [cid for c in chatters for cid in c.acknowledged]
        delivered = Counter()
        for chatter in chatters:
            for _, name, payload in chatter.observed():
                if name == "message_received" and payload["message"]["sender"] == "user":
                    delivered[payload["message"]["client_id"]] += 1
        lost_in_store = {cid for cid in acknowledged if stored[cid] == 0}
        not_delivered = {cid for cid in acknowledged if delivered[cid] == 0}
        stored_twice = [cid for cid, count in stored.items() if count > 1]
        delivered_twice = [cid for cid, count in delivered.items() if count > 1]
        duplicated_replies = sum(n for count, n in replies["messages_by_reply_count"].items() if count > 1)
        unreplied = replies["messages_by_reply_count"].get(0, 0)
        upstreams = Counter()
        for chatter in chatters:
            for upstream, count in chatter.upstreams.items():
                upstreams[cluster.backend_index(upstream)] += count

        print()
        print(f"processes behind nginx:     {args.processes} (ip_hash)")
        print(f"kill -9 + restart:          {kills} in {time.monotonic() - started:.0f} s")
        print(f"users x messages:           {args.users} x {args.messages}+ (sending tab + observing tab each)")
        print(f"(re)connects:               {sum(c.connects for c in chatters)}  by process: "
              + ", ".join(f"{k}: {v}" for k, v in sorted(upstreams.items(), key=lambda kv: str(kv[0]))))
        connect_errors = sum((c.connect_errors for c in chatters), Counter())
        print(f"failed connects:            {sum(connect_errors.values())}  "
              + "; ".join(f"{n} x {text}" for text, n in connect_errors.most_common(3)))
        print(f"sends retried:              {sum(c.retries for c in chatters)}")
        print(f"acknowledged:               {len(acknowledged)}")
        print(f"stored:                     {sum(stored.values())}")
        print(f"delivered (other tab):      {sum(delivered.values())}")
        print(f"lost:                       {len(lost_in_store | not_delivered)}  "
              f"(not stored: {len(lost_in_store)}, not delivered: {len(not_delivered)})")
        print(f"duplicated:                 {len(stored_twice) + len(delivered_twice)}  "
              f"(stored twice: {len(stored_twice)}, delivered twice: {len(delivered_twice)})")
        print(f"companion replies:          {replies['replies']}  for {sum(replies['messages_by_reply_count'].values())} "
              f"answered messages in {replies['groups']} groups; unanswered left: {unanswered}")
        print(f"replies per message:        {replies['messages_by_reply_count']}  (reply count: messages)")
        print(f"duplicated replies:         {duplicated_replies} messages answered more than once; "
              f"{replies['replies_answering_nothing']} replies answering nothing")
        print(f"answered without a reply:   {unreplied}; unfinished streams left: {replies['unfinished_streams']}")
        if stuck:
            print(f"chatters still running:     {len(stuck)}")
        failed = (lost_in_store or not_delivered or stored_twice or delivered_twice or duplicated_replies
                  or replies["replies_answering_nothing"] or unreplied or unanswered or stuck)
        return 1 if failed else 0
    finally:
        engine.dispose()
        cluster.stop()


def throughput_round(processes: int, senders: int, messages: int) -> dict:
    cluster = cluster_script.start_cluster(processes, env={**NO_LIMITS, "REPLY_DELAY_SCALE": "0"})
    engine = sa.create_engine(cluster.database_url)
    try:
        Tab = cluster_script.tab_class()
        tabs = []
        for n in range(senders):  # signed up before the clock starts
            http = signed_in_session(cluster.url)
            tabs.append(Tab(cluster.url, http, source_address=cluster_script.loopback_address(n)).connect())
        spread = Counter(cluster.backend_index(tab.upstream) for tab in tabs)
        errors = []
        go = threading.Barrier(senders + 1)

        def send_all(tab, number):
            go.wait()
            for m in range(messages):
                try:
                    ack = tab.send(GIRLS[(number + m) % 4], f"throughput {number}/{m}", uuid.uuid4().hex, timeout=30)
                    if not ack.get("ok"):
                        errors.append(ack)
                except Exception as error:  # noqa: BLE001
                    errors.append(repr(error))

        threads = [threading.Thread(target=send_all, args=(tab, n), daemon=True) for n, tab in enumerate(tabs)]
        for thread in threads:
            thread.start()
        go.wait()
        begin = time.perf_counter()
        cpu_begin = time.process_time()
        for thread in threads:
            thread.join()
        acked = time.perf_counter() - begin
        client_cpu = (time.process_time() - cpu_begin) / acked  # the Python clients' share of a core
        deadline = time.monotonic() + 120
        while unanswered_count(engine) and time.monotonic() < deadline:
            time.sleep(0.05)
        complete = time.perf_counter() - begin
        for tab in tabs:
            tab.disconnect()
        total = senders * messages - len(errors)
        return {"processes": processes, "acked_per_s": total / acked, "answered_per_s": total / complete,
                "errors": len(errors), "spread": dict(spread), "seconds": acked,
                "client_cpu": client_cpu}
    finally:
        engine.dispose()
        cluster.stop()


def throughput(args) -> int:
    results = []
    for processes in args.throughput_processes:
        print(f"{processes} process(es): {args.senders} senders x {args.messages_each} messages ...", flush=True)
        result = throughput_round(processes, args.senders, args.messages_each)
        results.append(result)
        print(f"  {result['acked_per_s']:.0f} msgs/s acked, {result['answered_per_s']:.0f} msgs/s until every "
              f"message was answered ({result['seconds']:.1f} s; errors {result['errors']}; senders by process "
              f"{result['spread']}; the clients used {result['client_cpu']:.0%} of a core)", flush=True)
    print()
    print("processes  msgs/s acked  msgs/s answered")
    for result in results:
        print(f"{result['processes']:9d}  {result['acked_per_s']:12.0f}  {result['answered_per_s']:15.0f}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--users", type=int, default=6)
    parser.add_argument("--messages", type=int, default=15, help="messages per user at least")
    parser.add_argument("--kills", type=int, default=12, help="kill -9 / restart cycles")
    parser.add_argument("--kill-every", type=float, default=3.0, help="seconds between kills, on average")
    parser.add_argument("--reply-delay-scale", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--throughput", action="store_true", help="msgs/s with 1, 2 and 3 processes instead")
    parser.add_argument("--senders", type=int, default=30, help="--throughput: senders")
    parser.add_argument("--messages-each", type=int, default=20, help="--throughput: messages per sender")
    parser.add_argument("--throughput-processes", type=int, nargs="+", default=[1, 2, 3])
    args = parser.parse_args()
    missing = cluster_script.missing_requirements()
    if missing:
        print("the cluster drill needs " + ", ".join(missing), file=sys.stderr)
        return 2
    return throughput(args) if args.throughput else drill(args)


if __name__ == "__main__":
    sys.exit(main())
