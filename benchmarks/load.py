"""Load test: concurrent users through the portals on gunicorn + PostgreSQL, on loopback only.

    .venv/bin/python benchmarks/load.py [--users 150] [--seconds 60] [--port 8765]
        [--scale national] [--spike 1000 --spike-seconds 300]

Creates (once) the database ``rematch_load`` on the local PostgreSQL, migrates it and loads the
demo (``--scale national``: the demo and the synthetic national round, 40,000 households in
the demo organisation), starts gunicorn on 127.0.0.1 with production-like settings (the
cache and the sessions in Redis, ``--redis``, as docker-compose.yml deploys it), signs the
users in through the real login form, lets each user walk through the pages of their role for
the given time, and prints p50/p95/p99 latency and the error rate per page and overall. Like a
person (and like locust's ``between(1, 3)``), each user waits 1 to 3 seconds between pages and
starts at a page of its own (all users opening ``/`` first measured a burst, not the page).

The publish spike (``--spike N``, needs ``--scale national``): the national round is run and
published once, N of its households get a sign-in; during the first ``--spike-seconds`` of the
test, at random moments, each household signs in, opens its home page and its offer, as after
the e-mail. Printed apart from the steady users. The request loop is bounded by time and stops
by itself; gunicorn is stopped at the end. An error is a failed connection or a status of 400
or more (redirects are answers, not errors).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = "postgres://postgres@127.0.0.1:5432/rematch_load"
REDIS_URL = "redis://127.0.0.1:6379/14"  # a database of its own: the test empties it
PASSWORD = "rematch-demo-2026"  # noqa: S105 - the public demo password
PAGES = {
    "coordinator": ["/", "/rounds/", "/municipalities/", "/households/", "/audit/"],
    "municipal_staff": ["/", "/rounds/", "/offers/", "/municipalities/"],
    "caseworker": ["/", "/households/", "/households/?q=HH", "/offers/"],
}


class Browser:
    """A tiny cookie-keeping HTTP client: one keep-alive connection per simulated person.

    Cheap on purpose, since it shares the two cores with the server: the body is read as bytes
    and only searched where a form's CSRF token is needed. Each person comes from an address of
    its own (``X-Forwarded-For`` behind one trusted proxy, as in production), so the sign-in
    rate limits per address stay what they are."""

    def __init__(self, port: int, address: str) -> None:
        self.port = port
        self.address = address
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes, str]:
        """Status, body and the Location header (redirects are not followed)."""
        headers = {
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            "Accept-Language": "de",
            "Host": "127.0.0.1",
            "X-Forwarded-For": self.address,
        }
        data = None
        if body is not None:
            data = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        try:
            response = self._send(method, path, data, headers)
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # The server closed an idle keep-alive connection: reconnect, as a browser does.
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            response = self._send(method, path, data, headers)
        content = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            for key, morsel in SimpleCookie(header).items():
                self.cookies[key] = morsel.value
        return response.status, content, response.headers.get("Location", "")

    def _send(self, method, path, data, headers) -> http.client.HTTPResponse:
        self.conn.request(method, path, body=data, headers=headers)
        return self.conn.getresponse()

    def form_token(self, path: str) -> str:
        _status, page, _location = self.request("GET", path)
        found = CSRF.search(page)
        if found is None:
            raise RuntimeError(f"no CSRF token on {path.split('?')[0]}")
        return found.group(1).decode()

    def login(self, email: str) -> None:
        """Staff: the password form (Argon2 on purpose; before the clock starts)."""
        token = self.form_token("/accounts/login/")
        status, _, _ = self.request(
            "POST",
            "/accounts/login/",
            {"csrfmiddlewaretoken": token, "login": email, "password": PASSWORD},
        )
        if status != 302:
            raise RuntimeError(f"login of {email} failed with {status}")


CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
CODE = re.compile(rb"^([A-Z0-9]{4}-[A-Z0-9]{4})\r?$", re.M)
RECIPIENT = re.compile(rb"^To: (\S+)\r?$", re.M)


class Mailbox:
    """The sign-in codes the server sent, read from Django's file e-mail backend, as a
    household reads its e-mail.

    The backend appends each message, closed by a line of 79 dashes, to a file named by the
    second and the backend object's ``id()``; two messages sent by one process within a second
    can land in the same file when the second backend object takes the first one's address.
    So a file is read on from where the last complete message ended (a message still being
    written waits for the next look), never marked as done: a code appended to a file read
    before is found too."""

    SEPARATOR = b"\n" + b"-" * 79 + b"\n"

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.codes: dict[str, str] = {}
        self.offsets: dict[str, int] = defaultdict(int)  # file -> bytes of complete messages
        self.lock = threading.Lock()

    def code_for(self, email: str, wait: float = 30.0) -> str:
        until = time.monotonic() + wait
        while True:
            with self.lock:
                if email not in self.codes:
                    self._scan()
                if email in self.codes:
                    return self.codes.pop(email)
            if time.monotonic() > until:
                raise RuntimeError("no sign-in code arrived")
            time.sleep(0.05)

    def _scan(self) -> None:
        for entry in os.scandir(self.directory):
            offset = self.offsets[entry.name]
            if entry.stat().st_size <= offset:
                continue
            with open(entry.path, "rb") as handle:
                handle.seek(offset)
                text = handle.read()
            end = text.rfind(self.SEPARATOR)
            if end < 0:
                continue  # the first message is still being written
            self.offsets[entry.name] = offset + end + len(self.SEPARATOR)
            for message in text[:end].split(self.SEPARATOR):
                recipient, code = RECIPIENT.search(message), CODE.search(message)
                if recipient and code:  # else another e-mail (offers, notices): no code
                    self.codes[recipient.group(1).decode().lower()] = code.group(1).decode()


def prepare(env: dict[str, str], scale: str = "demo", server_root: Path = ROOT) -> None:
    import psycopg

    url = env["DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as c:
        if not c.execute("SELECT 1 FROM pg_database WHERE datname=%s", [name]).fetchone():
            c.execute(f'CREATE DATABASE "{name}"')
    python = sys.executable
    seed = ["seed_demo", "--scale", scale]
    static = ["collectstatic", "--noinput", "-v0"]
    for command, where in (
        (["migrate", "-v0"], ROOT),
        (seed, ROOT),
        (static, server_root),  # the served tree's static files and their manifest
    ):
        subprocess.run(
            [python, "manage.py", *command],
            cwd=where,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )


def start_server(env: dict[str, str], port: int, args: argparse.Namespace) -> subprocess.Popen:
    """gunicorn as deployed: its settings from the project's gunicorn.conf.py (read from the
    working directory), ``--workers``/``--threads`` only when given."""
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    command = [gunicorn, "rematch.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    command += ["--log-level", "warning"]
    if args.workers:
        command += ["--workers", str(args.workers)]
    if args.threads:
        command += ["--threads", str(args.threads)]
    server = subprocess.Popen(command, cwd=args.server_root, env=env)
    for _ in range(120):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            pass
        if server.poll() is not None:
            raise RuntimeError("gunicorn did not start")
        time.sleep(0.5)
    server.terminate()
    raise RuntimeError("gunicorn did not start")


def users() -> list[tuple[str, str]]:
    staff = ["kiel", "braunschweig", "troisdorf", "salzgitter", "rottenburg", "duesseldorf"]
    pool = [
        ("coordinator", "koordination@rematch.example"),
        ("caseworker", "beratung@rematch.example"),
    ]
    pool += [("municipal_staff", f"{slug}@rematch.example") for slug in staff]
    return pool


codes: dict[int, int] = defaultdict(int)
SIGN_INS = threading.Semaphore(4)
SPIKE_STEPS = (
    "spike: e-mail link",
    "spike: request code",
    "spike: enter code",
    "spike: own offer",
    "spike: home /",
)


def spike_setup(count: int, out: str) -> None:
    """In the test database (run by ``prepare_spike`` with the server's settings): run and
    publish the national round once, give ``count`` of its households with a pending offer a
    refugee sign-in, and write [email, offer id] pairs to ``out``."""
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from accounts.models import User
    from matching import national_demo
    from matching.models import Offer, OfferStatus, RunStatus
    from matching.services.offers import run_publish
    from matching.services.runs import run_start
    from refugees.models import Household
    from rounds.models import Round

    round_ = Round.objects.get(name=national_demo.ROUND_NAME)
    coordinator = User.objects.filter(role="coordinator").first()
    if coordinator is None:
        raise SystemExit("no coordinator in the test database")
    run = round_.runs.filter(status=RunStatus.SUCCEEDED).order_by("-iteration").first()
    if run is None:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        run_start(round=round_, by=coordinator, time_limit=20)
        run = round_.runs.filter(status=RunStatus.SUCCEEDED).order_by("-iteration").first()
    if run is None:
        raise SystemExit("the national run failed")
    if not run.published_at:
        run_publish(run=run, by=coordinator)
    offers = list(
        Offer.objects.filter(run=run, status=OfferStatus.PENDING)
        .order_by("pk")
        .values_list("pk", "household_id")[:count]
    )
    password = make_password(PASSWORD)  # one hash for all: sign-ins still verify it each time
    pairs = []
    for offer_id, household_id in offers:
        email = f"spike-{household_id}@rematch.example"
        user, _ = User.objects.get_or_create(
            email=email, defaults={"role": "refugee", "full_name": "Spike", "password": password}
        )
        # Invited households have confirmed their address; otherwise sign-in stops there.
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        Household.objects.filter(pk=household_id, contact_user__isnull=True).update(
            contact_user=user
        )
        pairs.append([email, offer_id])
    Path(out).write_text(json.dumps(pairs))


def prepare_spike(env: dict[str, str], count: int) -> list[tuple[str, int]]:
    handle, name = tempfile.mkstemp(prefix="rematch-load-spike-", suffix=".json")
    os.close(handle)
    out = Path(name)
    subprocess.run(
        [sys.executable, __file__, "_spike_setup", str(count), str(out)],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "rematch.settings"},
        check=True,
    )
    pairs = [(email, offer) for email, offer in json.loads(out.read_text())]
    out.unlink()
    return pairs


def spike_household(email: str, offer: int, n: int, ctx: dict[str, Any]) -> None:
    """One household after the e-mail, as a real one: it follows the link to its offer, is sent
    to the sign-in page, asks for a code (households have no password), reads the code from
    its e-mail, enters it, lands on its offer, then opens its home page. Every request of the
    path is timed on its own, under the step it belongs to."""
    port, mailbox = ctx["port"], ctx["mailbox"]
    browser = Browser(port, f"10.{1 + n // 65536}.{n // 256 % 256}.{n % 256}")
    link = f"/offers/{offer}/"
    code_url = "/accounts/login/code/?" + urlencode({"next": link})

    def timed(step: str, method: str, path: str, body=None, expect=(200,)) -> tuple[bytes, str]:
        started = time.perf_counter()
        try:
            status, content, location = browser.request(method, path, body)
        except (http.client.HTTPException, OSError):
            status, content, location = 0, b"", ""
        record(ctx, step, (time.perf_counter() - started) * 1000, status, expect)
        if status not in expect:
            raise StopIteration
        return content, location

    try:
        _, login = timed("spike: e-mail link", "GET", link, expect=(302,))
        timed("spike: e-mail link", "GET", login)
        page, _ = timed("spike: request code", "GET", code_url)
        token = CSRF.search(page)
        if token is None:
            raise StopIteration
        body = {"csrfmiddlewaretoken": token.group(1).decode(), "email": email, "next": link}
        _, confirm = timed("spike: request code", "POST", code_url, body, expect=(302,))
        page, _ = timed("spike: request code", "GET", confirm)
        token = CSRF.search(page)
        try:
            code = mailbox.code_for(email)
        except RuntimeError:
            record(ctx, "spike: enter code", float("nan"), 0, (200,))
            return
        if token is None:
            raise StopIteration
        body = {"csrfmiddlewaretoken": token.group(1).decode(), "code": code, "next": link}
        _, landing = timed("spike: enter code", "POST", confirm, body, expect=(302,))
        timed("spike: own offer", "GET", landing or link)
        timed("spike: home /", "GET", "/")
    except StopIteration:
        return


def record(ctx: dict[str, Any], name: str, elapsed: float, status: int, expect=None) -> None:
    """One sample; an error is a failed connection, a status of 400 or more, or (on the
    spike's path) another status than the step expects."""
    failed = status == 0 or status >= 400 or (expect is not None and status not in expect)
    with ctx["lock"]:
        ctx["samples"][name].append(elapsed)
        if failed:
            ctx["errors"][name] += 1
            codes[status] += 1


def walk(role: str, email: str, n: int, ctx: dict[str, Any]) -> None:
    """Sign in, wait until everyone has, then walk the role's pages until the clock runs out
    (sign-ins hash passwords with Argon2 on purpose; they are not part of the page figures)."""
    clock = ctx["clock"]
    browser = Browser(ctx["port"], f"10.0.{n // 256}.{n % 256}")
    pause = random.Random(email + str(n))
    try:
        with SIGN_INS:  # Argon2 on purpose: a few at a time, as people arrive, not 150 at once
            browser.login(email)
        for path in PAGES[role]:  # warm-up: every worker compiles its templates, unmeasured
            browser.request("GET", path)
    except (http.client.HTTPException, OSError, RuntimeError):
        record(ctx, "sign-in and warm-up", float("nan"), 0)
        clock["ready"].wait()
        return
    clock["ready"].wait()
    until = clock["until"]
    pages = PAGES[role]
    i = pause.randrange(len(pages))  # each user starts at a page of its own
    while time.monotonic() < until:
        time.sleep(pause.uniform(*ctx["think"]))
        path = pages[i % len(pages)]
        i += 1
        started = time.perf_counter()
        try:
            status, _, _ = browser.request("GET", path)
        except (http.client.HTTPException, OSError):
            status = 0
        record(ctx, path, (time.perf_counter() - started) * 1000, status)


class CpuMeter:
    """CPU seconds spent during the measured window by the server (gunicorn's processes), the
    database (the PostgreSQL backends connected to the test database), the cache (the Redis
    server, when the server uses it; its other clients count too) and this load generator:
    on a shared machine the wall times vary with the neighbours, the CPU per request much less.
    Sampled every second, so a database connection that ends in between loses at most 1 s."""

    def __init__(self, server_pid: int, database: str, cache: bool = False) -> None:
        self.server_pid, self.database, self.cache = server_pid, database, cache
        self.first: dict[int, float] = {}
        self.last: dict[int, tuple[str, float]] = {}
        self.stop = threading.Event()
        self.tick = os.sysconf("SC_CLK_TCK")
        self.started = resource.getrusage(resource.RUSAGE_SELF)

    def _sample(self) -> None:
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                fields = stat[stat.rindex(")") + 2 :].split()
                pid, ppid = int(entry), int(fields[1])
                kind = None
                if pid == self.server_pid or ppid == self.server_pid:
                    kind = "server"
                elif "redis-server" in stat[: stat.rindex(")")]:
                    kind = "cache" if self.cache else None
                elif "postgres" in stat[: stat.rindex(")")]:
                    command = Path(f"/proc/{entry}/cmdline").read_bytes()
                    if b" " + self.database.encode() + b" " in command:
                        kind = "database"
                if kind is None:
                    continue
                seconds = (int(fields[11]) + int(fields[12])) / self.tick
            except (OSError, ValueError, IndexError):
                continue
            # Processes running at the start count from then, those started since from zero.
            self.first.setdefault(pid, 0.0 if self.running else seconds)
            self.last[pid] = (kind, seconds)

    def start(self) -> None:
        self.running = False
        self._sample()
        self.running = True
        self.started = resource.getrusage(resource.RUSAGE_SELF)
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while not self.stop.wait(1.0):
            self._sample()

    def result(self) -> dict[str, float]:
        self.stop.set()
        self._sample()
        spent = {"server": 0.0, "database": 0.0, **({"cache": 0.0} if self.cache else {})}
        for pid, (kind, seconds) in self.last.items():
            spent[kind] += seconds - self.first.get(pid, 0.0)
        now = resource.getrusage(resource.RUSAGE_SELF)
        spent["load generator"] = (now.ru_utime + now.ru_stime) - (
            self.started.ru_utime + self.started.ru_stime
        )
        return spent


def percentile(values: list[float], q: int) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[q - 1]
        if len(values) > 1
        else (values[0] if values else float("nan"))
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Re:Match portal load test (loopback only)")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--scale", choices=["demo", "national"], default="demo")
    parser.add_argument("--spike", type=int, default=0, help="households opening their offer")
    parser.add_argument("--spike-seconds", type=float, default=300)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--workers", type=int, default=0, help="gunicorn workers (default: gunicorn.conf.py)"
    )
    parser.add_argument(
        "--threads", type=int, default=0, help="threads per worker (default: gunicorn.conf.py)"
    )
    parser.add_argument("--database", default=DATABASE_URL, help="PostgreSQL URL of the test data")
    parser.add_argument(
        "--redis",
        default=REDIS_URL,
        help="Redis URL of the server's cache and sessions, as deployed (docker-compose.yml); "
        "its database is emptied first. '' for per-process memory and database sessions",
    )
    parser.add_argument(
        "--server-root",
        type=Path,
        default=ROOT,
        help="the tree whose code gunicorn serves (an old checkout, to compare old with new)",
    )
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=(1.0, 3.0),
        help="seconds a user waits between pages (min max)",
    )
    args = parser.parse_args()
    mail_dir = Path(tempfile.mkdtemp(prefix="rematch-load-mail-"))
    env = {
        **os.environ,
        "DATABASE_URL": args.database,
        "DEBUG": "false",
        "SECRET_KEY": "load-test-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "REMATCH_REQUIRE_MFA": "false",
        "LOG_LEVEL": "WARNING",
        "DB_CONN_MAX_AGE": "60",
        "STATICFILES_BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
        "CELERY_TASK_ALWAYS_EAGER": "true",
        # The sign-in codes reach the households through files the generator reads.
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        # Each simulated person has an address of its own behind one proxy (X-Forwarded-For):
        # the sign-in rate limits per address and per account stay as in production.
        "REMATCH_TRUSTED_PROXY_COUNT": "1",
    }
    env.pop("REDIS_URL", None)
    env.pop("REMATCH_LOGIN_RATE_LIMIT", None)
    if args.redis:
        env["REDIS_URL"] = env["CELERY_BROKER_URL"] = args.redis
        flush_redis(args.redis)  # rate-limit counters of an earlier run
    if args.spike and args.scale != "national":
        raise SystemExit("--spike needs --scale national (the national round's offers)")
    prepare(env, args.scale, args.server_root)
    spike = prepare_spike(env, args.spike) if args.spike else []
    server = start_server(env, args.port, args)
    ctx: dict[str, Any] = {
        "port": args.port,
        "samples": defaultdict(list),
        "errors": defaultdict(int),
        "lock": threading.Lock(),
        "think": args.think,
        "mailbox": Mailbox(mail_dir),
    }
    pool = users()
    meter = CpuMeter(server.pid, args.database.rsplit("/", 1)[1], cache=bool(args.redis))
    try:
        clock: dict[str, Any] = {"until": 0.0}

        def start_clock() -> None:
            # Once everyone has signed in: 150 Argon2 sign-ins on a loaded machine took longer
            # than a 60 s test, which then ended before its first page.
            clock["until"] = time.monotonic() + args.seconds
            meter.start()

        clock["ready"] = threading.Barrier(args.users + 1, action=start_clock)
        ctx["clock"] = clock
        threads = [
            threading.Thread(target=walk, args=(*pool[i % len(pool)], i, ctx))
            for i in range(args.users)
        ]
        for thread in threads:
            thread.start()
        clock["ready"].wait(timeout=900)
        started = time.monotonic()
        spikes = start_spike(spike, args, ctx)
        for thread in threads + spikes:
            thread.join()
        elapsed = time.monotonic() - started
        report(ctx["samples"], ctx["errors"], args, meter.result(), elapsed)
    finally:
        stop_server(server)
        for name in os.listdir(mail_dir):
            (mail_dir / name).unlink()
        mail_dir.rmdir()


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def stop_server(server: subprocess.Popen) -> None:
    """gunicorn waits for open keep-alive connections up to its graceful timeout; on a loaded
    machine that took longer than the wait below and lost the figures, so they are printed
    first and a server that does not stop is killed."""
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=30)


def start_spike(spike, args, ctx) -> list[threading.Thread]:
    """The households open their offers at random moments within ``--spike-seconds``."""
    if not spike:
        return []
    rng = random.Random(2026)
    moments = sorted(rng.uniform(0, args.spike_seconds) for _ in spike)
    started = time.monotonic()
    threads = []
    for n, ((email, offer), moment) in enumerate(zip(spike, moments, strict=True)):
        time.sleep(max(0.0, started + moment - time.monotonic()))
        thread = threading.Thread(target=spike_household, args=(email, offer, n, ctx))
        thread.start()
        threads.append(thread)
    return threads


def line(name: str, values: list[float], errors: int) -> str:
    values = [v for v in values if v == v]  # a missing code is an error, not a time
    return (
        f"{name:<24}{len(values):>9}{percentile(values, 50):>9.0f}"
        f"{percentile(values, 95):>9.0f}{percentile(values, 99):>9.0f}{errors:>8}"
    )


def report(samples, errors, args, cpu: dict[str, float], elapsed: float) -> None:
    spike = {k: v for k, v in samples.items() if k.startswith("spike: ")}
    samples = {k: v for k, v in samples.items() if not k.startswith("spike: ")}
    every = [v for values in samples.values() for v in values]
    total_errors = sum(e for k, e in errors.items() if not k.startswith("spike: "))
    workers = f"{args.workers or 'conf'} workers x {args.threads or 'conf'} threads"
    print(f"{args.users} users, {args.seconds:.0f} s, gunicorn {workers} ({args.server_root})")
    print(f"{'page':<24}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for path in sorted(samples):
        print(line(path, samples[path], errors[path]))
    print(line("all", every, total_errors))
    print(
        f"throughput {len(every) / args.seconds:.0f} requests/s, "
        f"error rate {total_errors / max(1, len(every)):.2%}"
    )
    if spike:
        pages = [v for values in spike.values() for v in values]
        spike_errors = sum(errors[k] for k in spike)
        print(
            f"publish spike: {args.spike} households within {args.spike_seconds:.0f} s "
            "(e-mail link, sign-in with a code, own offer, home), each request"
        )
        for name in SPIKE_STEPS:
            print(line(name, spike.get(name, []), errors[name]))
        print(line("spike, every request", pages, spike_errors))
    if codes:
        print("error statuses:", dict(codes))
    requests = len(every) + sum(len(v) for v in spike.values())
    print(
        f"CPU over the test ({elapsed:.0f} s, {requests} requests): "
        + ", ".join(
            f"{kind} {seconds:.1f} s ({seconds * 1000 / max(1, requests):.1f} ms a request)"
            for kind, seconds in cpu.items()
        )
    )
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["_spike_setup"]:
        spike_setup(int(sys.argv[2]), sys.argv[3])
    else:
        main()
