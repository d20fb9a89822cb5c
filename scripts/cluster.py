#!/usr/bin/env python
"""N DreamChat processes on PostgreSQL and Redis behind nginx, on this machine: `make cluster`.

    .venv/bin/python scripts/cluster.py [--processes 3] [--port 8000] [--database-url URL] [--websocket-only]

Creates the PostgreSQL database when it is missing, runs `flask db upgrade` once, starts N
`python app.py` processes (each its own PORT on 127.0.0.1, all with the same DATABASE_URL, REDIS_URL,
SECRET_KEY and TRUSTED_PROXIES=1) and nginx (deploy/nginx.conf filled in, run as the current user
with its pid, logs and temporary files in a temporary directory), prints the URL and waits. Ctrl-C or
SIGTERM stops everything: each DreamChat process gets SIGTERM and drains as on a platform restart.

As a module (tests/test_cluster.py, scripts/fault_drill_cluster.py): `start_cluster(...)` returns a
Cluster with .url, .processes, .kill(i) (kill -9), .terminate(i) (SIGTERM, drained), .restart(i),
.backend_index(upstream_addr) and .stop().
"""
from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "nginx.conf"
NGINX = os.environ.get("NGINX", "/usr/sbin/nginx")
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/dreamchat_cluster"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def reachable(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def missing_requirements(database_url: str = DEFAULT_DATABASE_URL, redis_url: str = DEFAULT_REDIS_URL) -> list[str]:
    """What the cluster needs and this machine lacks, in words (empty when all is there)."""
    missing = []
    if not os.access(NGINX, os.X_OK):
        missing.append(f"nginx ({NGINX}; scripts/install-nginx installs it)")
    database = urlsplit(normalise_database_url(database_url))
    if not reachable(database.hostname or "127.0.0.1", database.port or 5432):
        missing.append(f"PostgreSQL on {database.hostname}:{database.port or 5432}")
    redis = urlsplit(redis_url)
    if not reachable(redis.hostname or "127.0.0.1", redis.port or 6379):
        missing.append(f"Redis on {redis.hostname}:{redis.port or 6379}")
    return missing


def normalise_database_url(url: str) -> str:
    return "postgresql://" + url[len("postgres://"):] if url.startswith("postgres://") else url


def ensure_database(database_url: str) -> bool:
    """Create the PostgreSQL database of database_url when it does not exist; True when created."""
    import sqlalchemy as sa

    parts = urlsplit(normalise_database_url(database_url))
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name})
            if not exists:
                connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
            return not exists
    finally:
        admin.dispose()


def drop_database(database_url: str) -> None:
    import sqlalchemy as sa

    parts = urlsplit(normalise_database_url(database_url))
    admin = sa.create_engine(urlunsplit(parts._replace(path="/postgres")), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)'))
    finally:
        admin.dispose()


def nginx_config(prefix: Path, listen: str, ports: list[int], websocket_only: bool) -> str:
    """deploy/nginx.conf with its placeholders filled: ip_hash (any transport) or round-robin
    (websocket-only), one `server` line per process."""
    servers = "\n        ".join(f"server 127.0.0.1:{port} max_fails=0;" for port in ports)
    balance = "# round-robin: websocket-only, no stickiness needed" if websocket_only else "ip_hash;"
    lines = []
    for line in TEMPLATE.read_text().splitlines(keepends=True):
        if not line.lstrip().startswith("#"):  # the comments name the placeholders: left as they are
            for name, value in (("PREFIX", str(prefix)), ("LISTEN", listen), ("BALANCE", balance),
                                ("SERVERS", servers)):
                line = line.replace(f"@@{name}@@", value)
        lines.append(line)
    return "".join(lines)


def _die_with_parent() -> None:
    """In the child: get SIGTERM if the process that started it dies (Linux), so nothing is left
    behind when a test run or the drill is killed."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


@dataclass
class Backend:
    index: int
    port: int
    log_path: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


@dataclass
class Cluster:
    url: str
    port: int
    backends: list[Backend]
    env: dict
    workdir: Path
    database_url: str
    websocket_only: bool
    nginx: subprocess.Popen | None = None
    created_workdir: bool = False
    drop_database_on_stop: bool = False
    restarts: int = 0
    _stopped: bool = field(default=False, repr=False)

    # -- the processes ------------------------------------------------------------------------
    @property
    def processes(self) -> list[subprocess.Popen | None]:
        return [backend.process for backend in self.backends]

    def start_process(self, index: int, wait: bool = True) -> Backend:
        backend = self.backends[index]
        if backend.alive():
            return backend
        env = {**self.env, "PORT": str(backend.port)}
        with open(backend.log_path, "ab") as log_file:
            backend.process = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log_file,
                                               stderr=subprocess.STDOUT, start_new_session=True,
                                               preexec_fn=_die_with_parent)
        if wait:
            self.wait_ready(index)
        return backend

    def wait_ready(self, index: int, timeout: float = 60) -> None:
        backend = self.backends[index]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if backend.process.poll() is not None:
                raise RuntimeError(f"process {index} exited with {backend.process.returncode}:\n{self.log(index)[-4000:]}")
            try:
                if requests.get(backend.url + "/healthz", timeout=1).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"process {index} did not start in {timeout:.0f} s:\n{self.log(index)[-4000:]}")

    def kill(self, index: int) -> None:
        """kill -9: no drain, its sockets cut, its work left for the others and the restart."""
        process = self.backends[index].process
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(10)

    def terminate(self, index: int, wait: bool = True, timeout: float = 30) -> None:
        """SIGTERM: the process drains (SHUTDOWN_GRACE_SECONDS) and exits, as on a rolling restart."""
        process = self.backends[index].process
        if process is not None and process.poll() is None:
            process.terminate()
            if wait:
                try:
                    process.wait(timeout)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(10)

    def restart(self, index: int, graceful: bool = True, wait: bool = True) -> Backend:
        """Stop process i (SIGTERM, or kill -9 with graceful=False) and start it again on its port."""
        if graceful:
            self.terminate(index)
        else:
            self.kill(index)
        self.restarts += 1
        return self.start_process(index, wait=wait)

    def backend_index(self, upstream_addr: str | None) -> int | None:
        """Which process an `X-Upstream` header ("127.0.0.1:5001", or a list after retries) names:
        the last address is the one that answered."""
        if not upstream_addr:
            return None
        last = upstream_addr.replace(" : ", ",").split(",")[-1].strip()
        port = int(last.rsplit(":", 1)[-1]) if ":" in last else None
        for backend in self.backends:
            if backend.port == port:
                return backend.index
        return None

    def log(self, index: int) -> str:
        path = self.backends[index].log_path
        return path.read_text(errors="replace") if path.exists() else ""

    def nginx_log(self) -> str:
        path = self.workdir / "nginx" / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # -- the whole --------------------------------------------------------------------------------
    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        for backend in self.backends:
            if backend.alive():
                backend.process.terminate()
        if self.nginx is not None and self.nginx.poll() is None:
            self.nginx.send_signal(signal.SIGQUIT)  # graceful: finish the requests in flight
        deadline = time.monotonic() + 20
        for process in [b.process for b in self.backends if b.process] + ([self.nginx] if self.nginx else []):
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        if self.drop_database_on_stop:
            try:
                drop_database(self.database_url)
            except Exception as error:  # noqa: BLE001 - cleanup reports, never raises
                print(f"cluster: could not drop {self.database_url}: {error}", file=sys.stderr)
        if self.created_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> "Cluster":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_cluster(processes: int = 3, port: int | None = None, database_url: str | None = None,
                  redis_url: str = DEFAULT_REDIS_URL, websocket_only: bool = False, workdir: Path | None = None,
                  env: dict | None = None, drop_database_on_stop: bool = False, listen_host: str = "127.0.0.1",
                  ports: list[int] | None = None) -> Cluster:
    """Start N DreamChat processes plus nginx; returns when every process and nginx answer /healthz.

    database_url: PostgreSQL (created when missing; default: a new `dreamchat_cluster_<random>`
    database, dropped by stop()). env: more settings for every process (REPLY_DELAY_SCALE, limits...).
    """
    if processes < 1:
        raise ValueError("processes must be at least 1")
    if database_url is None:
        database_url = f"postgresql://postgres@127.0.0.1:5432/dreamchat_cluster_{uuid.uuid4().hex[:10]}"
        drop_database_on_stop = True
    database_url = normalise_database_url(database_url)
    missing = missing_requirements(database_url, redis_url)
    if missing:
        raise RuntimeError("the cluster needs " + ", ".join(missing))
    created_workdir = workdir is None
    workdir = Path(workdir or tempfile.mkdtemp(prefix="dreamchat-cluster-"))
    (workdir / "instance").mkdir(parents=True, exist_ok=True)
    nginx_dir = workdir / "nginx"
    nginx_dir.mkdir(exist_ok=True)
    ensure_database(database_url)

    port = port or free_port()
    backend_ports = ports or [free_port() for _ in range(processes)]
    process_env = {
        **os.environ,
        "FLASK_APP": "app.py",
        "PYTHONUNBUFFERED": "1",
        "HOST": "127.0.0.1",  # only nginx reaches them: TRUSTED_PROXIES=1 trusts what it says
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "TRUSTED_PROXIES": "1",
        # One instance dir for all (photos on disk, no SQLite used); one key, so a cookie works anywhere.
        "DREAMCHAT_INSTANCE_DIR": str(workdir / "instance"),
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_hex(32),
    }
    process_env.pop("SOCKETIO_MESSAGE_QUEUE", None)  # REDIS_URL is the queue
    # Clusters sharing one Redis (tests running side by side) keep their events and limits apart:
    # user ids of different databases would otherwise meet in one channel and one set of limit keys.
    database_name = urlsplit(database_url).path.lstrip("/")
    process_env["SOCKETIO_CHANNEL"] = f"dreamchat-{database_name}"
    process_env["RATE_LIMIT_KEY_PREFIX"] = f"dreamchat-{database_name}"
    if websocket_only:
        process_env["SOCKETIO_TRANSPORTS"] = "websocket"
    process_env.update({key: str(value) for key, value in (env or {}).items()})

    cluster = Cluster(url=f"http://{listen_host}:{port}", port=port, env=process_env, workdir=workdir,
                      database_url=database_url, websocket_only=websocket_only, created_workdir=created_workdir,
                      drop_database_on_stop=drop_database_on_stop,
                      backends=[Backend(index=i, port=p, log_path=workdir / f"process-{i}.log")
                                for i, p in enumerate(backend_ports)])
    try:
        upgrade = subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=process_env,
                                 capture_output=True, text=True, timeout=120)
        if upgrade.returncode != 0:
            raise RuntimeError(f"flask db upgrade failed:\n{upgrade.stdout}\n{upgrade.stderr}")
        for index in range(processes):
            cluster.start_process(index, wait=False)
        for index in range(processes):
            cluster.wait_ready(index)

        config_path = nginx_dir / "nginx.conf"
        config_path.write_text(nginx_config(nginx_dir, f"{listen_host}:{port}", backend_ports, websocket_only))
        global_directives = "daemon off; master_process on;"
        if os.geteuid() == 0:
            global_directives += " user root;"  # the workers must write the temp dirs made here
        cluster.nginx = subprocess.Popen([NGINX, "-p", str(nginx_dir), "-e", str(nginx_dir / "error.log"),
                                          "-c", str(config_path), "-g", global_directives],
                                         stdout=subprocess.DEVNULL, stderr=open(nginx_dir / "stderr.log", "ab"),
                                         start_new_session=True, preexec_fn=_die_with_parent)
        deadline = time.monotonic() + 15
        while True:
            if cluster.nginx.poll() is not None:
                raise RuntimeError(f"nginx exited with {cluster.nginx.returncode}:\n"
                                   f"{(nginx_dir / 'stderr.log').read_text(errors='replace')}\n{cluster.nginx_log()}")
            try:
                if requests.get(cluster.url + "/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"nginx did not answer on {cluster.url}:\n{cluster.nginx_log()}")
            time.sleep(0.1)
    except BaseException:
        cluster.stop()
        raise
    return cluster


# Clients, for the tests and the fault drill (need the dev requirements: websocket-client) ----------

# Loopback addresses in different /24s: ip_hash keys on the first three octets, so each looks like
# another client network to nginx (Linux answers the whole of 127.0.0.0/8 on lo).
def loopback_address(n: int) -> str:
    return f"127.{(n // 250) % 250}.{n % 250 + 1}.1"


_tab_class = None


def tab_class():
    """tests/realtime.py's Tab, connecting from a chosen loopback address (so ip_hash sees another
    client), optionally with python-socketio's reconnection (the auth sends the tab's last seq at each
    reconnect, as the page does), and knowing which process its websocket reached (`backend`)."""
    global _tab_class
    if _tab_class is not None:
        return _tab_class
    import engineio
    import socketio

    sys.path.insert(0, str(ROOT))
    from tests.realtime import Tab, cookie_header

    class SourceBoundEngineIOClient(engineio.Client):
        source_address: str | None = None

        def _connect_websocket(self, url, headers, engineio_path):
            if self.source_address:
                parts = urlsplit(url)
                sock = socket.create_connection((parts.hostname, parts.port or 80), timeout=5,
                                                source_address=(self.source_address, 0))
                self.websocket_extra_options["socket"] = sock  # websocket-client handshakes on it
            return super()._connect_websocket(url, headers, engineio_path)

    class SourceBoundClient(socketio.Client):
        def __init__(self, *args, source_address: str | None = None, **kwargs) -> None:
            self._source_address = source_address
            super().__init__(*args, **kwargs)

        def _engineio_client_class(self):
            return type("BoundEngineIOClient", (SourceBoundEngineIOClient,), {"source_address": self._source_address})

    class ClusterTab(Tab):
        def __init__(self, server_url: str, http, last_seq: int = 0, source_address: str | None = None,
                     reconnection: bool = False) -> None:
            super().__init__(server_url, http, last_seq=last_seq)
            self.source_address = source_address
            self.upstreams: list[str] = []  # X-Upstream of each websocket handshake, in order
            self.client = SourceBoundClient(reconnection=reconnection, reconnection_delay=0.2,
                                            reconnection_delay_max=1, randomization_factor=0.2,
                                            source_address=source_address)
            self.client.on("*", self._on_event)
            self.client.on("sync", self._on_sync)
            self.client.on("connect", self._on_connect)

        def _on_connect(self) -> None:
            ws = getattr(self.client.eio, "ws", None)
            headers = ws.getheaders() if ws is not None else None
            self.upstreams.append((headers or {}).get("x-upstream", ""))

        @property
        def upstream(self) -> str:
            return self.upstreams[-1] if self.upstreams else ""

        def connect(self) -> "ClusterTab":
            # websocket-client sends Origin: the server URL, which DreamChat (same origin only) checks
            # against the Host nginx passes on.
            self.client.connect(self.server_url, headers={"Cookie": cookie_header(self.http)}, auth=lambda: {"last_seq": self.last_seq},
                                transports=["websocket"], wait_timeout=5)
            return self

    _tab_class = ClusterTab
    return ClusterTab


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--processes", type=int, default=3, help="DreamChat processes (default 3)")
    parser.add_argument("--port", type=int, default=8000, help="where nginx listens (default 8000)")
    parser.add_argument("--host", default="127.0.0.1", help="the address nginx listens on (default 127.0.0.1)")
    parser.add_argument("--database-url", default=os.environ.get("CLUSTER_DATABASE_URL", DEFAULT_DATABASE_URL),
                        help=f"PostgreSQL, created when missing and kept (default {DEFAULT_DATABASE_URL})")
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL, help=f"default {DEFAULT_REDIS_URL}")
    parser.add_argument("--websocket-only", action="store_true",
                        help="SOCKETIO_TRANSPORTS=websocket and round-robin balancing (no ip_hash)")
    args = parser.parse_args()

    stopping = []

    def on_signal(signum, _frame):
        stopping.append(signum)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    print(f"cluster: {args.processes} DreamChat processes on {args.database_url} and {args.redis_url}, "
          f"{'websocket-only, round-robin' if args.websocket_only else 'ip_hash'} behind nginx ...", flush=True)
    try:
        cluster = start_cluster(args.processes, port=args.port, database_url=args.database_url,
                                redis_url=args.redis_url, websocket_only=args.websocket_only, listen_host=args.host)
    except RuntimeError as error:
        print(f"cluster: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    for backend in cluster.backends:
        print(f"  process {backend.index}: {backend.url} (pid {backend.process.pid}, log {backend.log_path})")
    print(f"  nginx: {cluster.workdir / 'nginx'} (config, logs)")
    print(f"DreamChat on {cluster.url}  (Ctrl-C stops everything)", flush=True)
    try:
        while True:
            time.sleep(1)
            for backend in cluster.backends:
                if backend.process.poll() is not None:
                    print(f"cluster: process {backend.index} exited with {backend.process.returncode}; "
                          "restarting it", flush=True)
                    cluster.start_process(backend.index)
            if cluster.nginx.poll() is not None:
                print(f"cluster: nginx exited with {cluster.nginx.returncode}", file=sys.stderr)
                break
    except KeyboardInterrupt:
        pass
    print("cluster: stopping (each process drains)", flush=True)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
