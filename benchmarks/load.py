"""Load test: concurrent users through the portals on gunicorn + PostgreSQL, on loopback only.

    .venv/bin/python benchmarks/load.py [--users 50] [--seconds 60] [--port 8765]

Creates (once) the database ``rematch_load`` on the local PostgreSQL, migrates it and loads the
demo, starts gunicorn on 127.0.0.1 with production-like settings, signs the users in through
the real login form, lets each user walk through the pages of their role for the given time,
and prints p50/p95/p99 latency and the error rate per page and overall. Like a person (and
like locust's ``between(1, 3)``), each user waits 1 to 3 seconds between pages. The request
loop is bounded by time and stops by itself; gunicorn is stopped at the end. An error is a
failed connection or a status of 400 or more (redirects are answers, not errors).
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = "postgres://postgres@127.0.0.1:5432/rematch_load"
PASSWORD = "rematch-demo-2026"  # noqa: S105 - the public demo password
PAGES = {
    "coordinator": ["/", "/rounds/", "/municipalities/", "/households/", "/audit/"],
    "municipal_staff": ["/", "/rounds/", "/offers/", "/municipalities/"],
    "caseworker": ["/", "/households/", "/households/?q=HH", "/offers/"],
}


class Browser:
    """A tiny cookie-keeping HTTP client: one keep-alive connection per simulated user."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, str]:
        headers = {
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            "Accept-Language": "de",
            "Host": "127.0.0.1",
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
        text = response.read().decode("utf-8", "replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            for key, morsel in SimpleCookie(header).items():
                self.cookies[key] = morsel.value
        return response.status, text

    def _send(self, method, path, data, headers) -> http.client.HTTPResponse:
        self.conn.request(method, path, body=data, headers=headers)
        return self.conn.getresponse()

    def login(self, email: str) -> None:
        _status, page = self.request("GET", "/accounts/login/")
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if found is None:
            raise SystemExit(f"no CSRF token on the login page for {email}")
        token = found.group(1)
        status, _ = self.request(
            "POST",
            "/accounts/login/",
            {"csrfmiddlewaretoken": token, "login": email, "password": PASSWORD},
        )
        if status != 302:
            raise RuntimeError(f"login of {email} failed with {status}")


def prepare(env: dict[str, str]) -> None:
    import psycopg

    url = env["DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as c:
        if not c.execute("SELECT 1 FROM pg_database WHERE datname=%s", [name]).fetchone():
            c.execute(f'CREATE DATABASE "{name}"')
    python = sys.executable
    for command in (["migrate", "-v0"], ["seed_demo"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run(
            [python, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )


def start_server(env: dict[str, str], port: int, workers: int) -> subprocess.Popen:
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    server = subprocess.Popen(
        [
            gunicorn,
            "rematch.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            "4",
            "--worker-class",
            "gthread",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(60):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/healthz")
            return server
        except OSError:
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


def walk(role: str, email: str, port: int, clock, samples, errors, lock, think) -> None:
    """Sign in, wait until everyone has, then walk the role's pages until the clock runs out
    (sign-ins hash passwords with Argon2 on purpose; they are not part of the page figures)."""
    browser = Browser(port)
    pause = random.Random(email + str(id(browser)))
    browser.login(email)
    for path in PAGES[role]:  # warm-up: every worker compiles its templates once, unmeasured
        browser.request("GET", path)
    clock["ready"].wait()
    until = clock["until"]
    pages = PAGES[role]
    i = 0
    while time.monotonic() < until:
        time.sleep(pause.uniform(*think))
        path = pages[i % len(pages)]
        i += 1
        started = time.perf_counter()
        try:
            status, _ = browser.request("GET", path)
        except (http.client.HTTPException, OSError):
            status = 0
        elapsed = (time.perf_counter() - started) * 1000
        with lock:
            samples[path].append(elapsed)
            if status == 0 or status >= 400:
                errors[path] += 1
                codes[status] += 1


def percentile(values: list[float], q: int) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[q - 1]
        if len(values) > 1
        else (values[0] if values else float("nan"))
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Re:Match portal load test (loopback only)")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--database", default=DATABASE_URL, help="PostgreSQL URL of the test data")
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=(1.0, 3.0),
        help="seconds a user waits between pages (min max)",
    )
    args = parser.parse_args()
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
        # 50 simulated people sign in from one loopback address at once.
        "REMATCH_LOGIN_RATE_LIMIT": "1000/m/ip",
    }
    env.pop("REDIS_URL", None)
    prepare(env)
    server = start_server(env, args.port, args.workers)
    samples: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    lock = threading.Lock()
    pool = users()
    try:
        clock: dict[str, Any] = {"ready": threading.Barrier(args.users + 1), "until": 0.0}
        threads = [
            threading.Thread(
                target=walk,
                args=(*pool[i % len(pool)], args.port, clock, samples, errors, lock, args.think),
            )
            for i in range(args.users)
        ]
        for thread in threads:
            thread.start()
        clock["until"] = time.monotonic() + args.seconds + 1
        clock["ready"].wait(timeout=300)
        for thread in threads:
            thread.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
    report(samples, errors, args)


def report(samples, errors, args) -> None:
    every = [v for values in samples.values() for v in values]
    total_errors = sum(errors.values())
    print(f"{args.users} users, {args.seconds:.0f} s, gunicorn {args.workers} workers x 4 threads")
    print(f"{'page':<24}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for path in sorted(samples):
        values = samples[path]
        print(
            f"{path:<24}{len(values):>9}{percentile(values, 50):>9.0f}"
            f"{percentile(values, 95):>9.0f}{percentile(values, 99):>9.0f}{errors[path]:>8}"
        )
    print(
        f"{'all':<24}{len(every):>9}{percentile(every, 50):>9.0f}{percentile(every, 95):>9.0f}"
        f"{percentile(every, 99):>9.0f}{total_errors:>8}"
    )
    if codes:
        print("error statuses:", dict(codes))
    print(
        f"throughput {len(every) / args.seconds:.0f} requests/s, "
        f"error rate {total_errors / max(1, len(every)):.2%}"
    )


if __name__ == "__main__":
    main()
