"""The product as deployed: ``make serve`` (Daphne and ``manage.py worker`` as separate OS
processes) on a free port, against the configuration this suite runs on: the embedded
default (a SQLite file and the embedded channel layer's relay), or, when the suite runs with
``DATABASE_URL`` and ``REDIS_URL``, a throwaway PostgreSQL database and a Redis server of
these tests' own (on another port, so a test may stop it; never the machine's)."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import dj_database_url
import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = bool(os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, *, timeout: float = 60, process=None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"nothing listens on {port}")


class Redis:
    """A Redis server of the tests' own, which they may stop and start again."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        subprocess.run(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--daemonize",
                "yes",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
                "--pidfile",
                str(self.workdir / f"redis-{self.port}.pid"),
            ],
            check=True,
        )
        wait_for_port(self.port, timeout=10)

    def stop(self) -> None:
        subprocess.run(
            ["redis-cli", "-p", str(self.port), "shutdown", "nosave"], capture_output=True
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                time.sleep(0.1)
            except OSError:
                return


class Product:
    def __init__(self, workdir: Path, redis: Redis | None) -> None:
        self.workdir = workdir
        self.redis = redis
        self.port = free_port()
        self.processes: list[subprocess.Popen] = []
        self.web: dict[int, subprocess.Popen] = {}
        self.env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
        }
        self.env.update(
            {
                "PORT": str(self.port),
                "PRIVATE_MEDIA_ROOT": str(workdir / "private"),
                "SMS_BACKEND": "notifications.sms.ConsoleBackend",
                "WEBSOCKET_ALLOWED_ORIGINS": "",
                "PYTHONUNBUFFERED": "1",
            }
        )
        self.database = None
        if redis is not None:
            url = dj_database_url.parse(os.environ["DATABASE_URL"])
            # Named after the suite's database, so runs sharing a server stay apart.
            self.database = f"{url['NAME'] or 'system'}_sys_{uuid.uuid4().hex[:12]}"
            self.admin_url = os.environ["DATABASE_URL"]
            self._psql(f"CREATE DATABASE {self.database}")
            self.env["DATABASE_URL"] = (
                f"postgres://{url['USER'] or 'postgres'}@{url['HOST'] or '127.0.0.1'}:"
                f"{url['PORT'] or 5432}/{self.database}"
            )
            self.env["REDIS_URL"] = redis.url
            self.env["CHANNEL_LAYER_PREFIX"] = f"sys{self.port}"
        else:
            self.env["SQLITE_PATH"] = str(workdir / "db.sqlite3")
            self.env["LIVE_RELAY_PATH"] = str(workdir / "live-relay.sqlite3")

    def _psql(self, sql: str) -> None:
        import psycopg

        params = dj_database_url.parse(self.admin_url)
        with (
            psycopg.connect(
                dbname="postgres",
                user=params["USER"] or "postgres",
                host=params["HOST"] or "127.0.0.1",
                port=params["PORT"] or 5432,
                password=params["PASSWORD"] or None,
                autocommit=True,
            ) as connection,
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)

    def _spawn(self, args: list[str], log: str, **env) -> subprocess.Popen:
        output = open(self.workdir / log, "ab")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(
            args,
            cwd=ROOT,
            env={**self.env, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, torn down as one
        )
        self.processes.append(process)
        return process

    def serve(self) -> None:
        """``make serve``: migrate, seed the demo, the worker and Daphne."""
        process = self._spawn(["make", "--no-print-directory", "serve"], "serve.log")
        wait_for_port(self.port, timeout=180, process=process)

    def daphne(self) -> int:
        """Another web process of the same deployment; its port (``self.web[port]`` is the
        process)."""
        port = free_port()
        process = self._spawn(
            [
                str(ROOT / ".venv" / "bin" / "daphne"),
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "config.asgi:application",
            ],
            f"daphne-{port}.log",
        )
        wait_for_port(port, timeout=60, process=process)
        self.web[port] = process
        return port

    def migrate(self) -> None:
        subprocess.run(
            [str(ROOT / ".venv" / "bin" / "python"), "manage.py", "migrate", "--noinput"],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            timeout=300,
        )

    def worker(self, name: str) -> subprocess.Popen:
        """Another ``manage.py worker`` of the same deployment."""
        return self._spawn(
            [str(ROOT / ".venv" / "bin" / "python"), "manage.py", "worker"], f"worker-{name}.log"
        )

    def scenario(self, *args: str) -> dict:
        done = subprocess.run(
            [sys.executable, "-m", "tests.system.scenario", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    def graphql(self, query: str, variables=None, *, token=None, port=None) -> dict:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port or self.port}/graphql",
            data=json.dumps({"query": query, "variables": variables or {}}).encode(),
            headers={
                "Content-Type": "application/json",
                **({"Authorization": f"Bearer {token}"} if token else {}),
            },
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            body = json.loads(response.read())
        assert "errors" not in body, body
        return body["data"]

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name} ---\n{path.read_text(errors='replace')[-6000:]}"
            for path in sorted(self.workdir.glob("*.log"))
        )

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if self.database:
            self._psql(f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)")


@pytest.fixture(scope="module")
def product(tmp_path_factory, request):
    if shutil.which("redis-server") is None and PRODUCTION:
        pytest.fail("the production configuration's system tests need redis-server")
    workdir = tmp_path_factory.mktemp("system")
    redis = Redis(workdir) if PRODUCTION else None
    if redis is not None:
        redis.start()
    running = Product(workdir, redis)
    try:
        running.serve()
        yield running
    finally:
        failed = getattr(request.node, "failed_tests", 0)
        running.stop()
        if redis is not None:
            redis.stop()
        if failed:
            print(running.logs())


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        module = item.module
        module_node = item.getparent(pytest.Module)
        module_node.failed_tests = getattr(module_node, "failed_tests", 0) + 1
        del module
