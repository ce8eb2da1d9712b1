"""Load test: concurrent users through the portals on gunicorn + PostgreSQL, on loopback only.

    .venv/bin/python benchmarks/load.py [--users 150] [--seconds 60] [--port 8765]
        [--scale national] [--spike 1000 --spike-seconds 300]

Creates (once) the database ``rematch_load`` on the local PostgreSQL, migrates it and loads the
demo (``--scale national``: the demo and the synthetic national round, 40,000 households in
the demo organisation), starts gunicorn on 127.0.0.1 with production-like settings, signs the
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


def prepare(env: dict[str, str], scale: str = "demo") -> None:
    import psycopg

    url = env["DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as c:
        if not c.execute("SELECT 1 FROM pg_database WHERE datname=%s", [name]).fetchone():
            c.execute(f'CREATE DATABASE "{name}"')
    python = sys.executable
    seed = ["seed_demo", "--scale", scale]
    for command in (["migrate", "-v0"], seed, ["collectstatic", "--noinput", "-v0"]):
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
SIGN_INS = threading.Semaphore(4)
SPIKE_PAGES = ("spike: sign-in", "spike: home /", "spike: own offer")


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


def spike_household(email: str, offer: int, port: int, samples, errors, lock) -> None:
    """One household after the e-mail: sign in, the home page, its offer."""
    browser = Browser(port)
    steps = [
        ("spike: sign-in", None),
        ("spike: home /", "/"),
        ("spike: own offer", f"/offers/{offer}/"),
    ]
    for name, path in steps:
        started = time.perf_counter()
        try:
            if path is None:
                browser.login(email)
                status = 302
            else:
                status, _ = browser.request("GET", path)
        except (http.client.HTTPException, OSError, RuntimeError):
            status = 0
        elapsed = (time.perf_counter() - started) * 1000
        with lock:
            samples[name].append(elapsed)
            if status == 0 or status >= 400:
                errors[name] += 1
                codes[status] += 1


def walk(role: str, email: str, port: int, clock, samples, errors, lock, think) -> None:
    """Sign in, wait until everyone has, then walk the role's pages until the clock runs out
    (sign-ins hash passwords with Argon2 on purpose; they are not part of the page figures)."""
    browser = Browser(port)
    pause = random.Random(email + str(id(browser)))
    try:
        with SIGN_INS:  # Argon2 on purpose: a few at a time, as people arrive, not 150 at once
            browser.login(email)
        for path in PAGES[role]:  # warm-up: every worker compiles its templates, unmeasured
            browser.request("GET", path)
    except (http.client.HTTPException, OSError, RuntimeError):
        with lock:
            errors["sign-in and warm-up"] += 1
            samples["sign-in and warm-up"].append(float("nan"))
        clock["ready"].wait()
        return
    clock["ready"].wait()
    until = clock["until"]
    pages = PAGES[role]
    i = pause.randrange(len(pages))  # each user starts at a page of its own
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
    parser.add_argument("--scale", choices=["demo", "national"], default="demo")
    parser.add_argument("--spike", type=int, default=0, help="households opening their offer")
    parser.add_argument("--spike-seconds", type=float, default=300)
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
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        # Every simulated person signs in from the one loopback address.
        "REMATCH_LOGIN_RATE_LIMIT": "100000/m/ip",
    }
    env.pop("REDIS_URL", None)
    if args.spike and args.scale != "national":
        raise SystemExit("--spike needs --scale national (the national round's offers)")
    prepare(env, args.scale)
    spike = prepare_spike(env, args.spike) if args.spike else []
    server = start_server(env, args.port, args.workers)
    samples: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    lock = threading.Lock()
    pool = users()
    try:
        clock: dict[str, Any] = {"until": 0.0}

        def start_clock() -> None:
            # Once everyone has signed in: 150 Argon2 sign-ins on a loaded machine took longer
            # than a 60 s test, which then ended before its first page.
            clock["until"] = time.monotonic() + args.seconds

        clock["ready"] = threading.Barrier(args.users + 1, action=start_clock)
        threads = [
            threading.Thread(
                target=walk,
                args=(*pool[i % len(pool)], args.port, clock, samples, errors, lock, args.think),
            )
            for i in range(args.users)
        ]
        for thread in threads:
            thread.start()
        clock["ready"].wait(timeout=900)
        spikes = start_spike(spike, args, samples, errors, lock)
        for thread in threads + spikes:
            thread.join()
        report(samples, errors, args)
    finally:
        stop_server(server)


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


def start_spike(spike, args, samples, errors, lock) -> list[threading.Thread]:
    """The households open their offers at random moments within ``--spike-seconds``."""
    if not spike:
        return []
    rng = random.Random(2026)
    moments = sorted(rng.uniform(0, args.spike_seconds) for _ in spike)
    started = time.monotonic()
    threads = []
    for (email, offer), moment in zip(spike, moments, strict=True):
        time.sleep(max(0.0, started + moment - time.monotonic()))
        thread = threading.Thread(
            target=spike_household, args=(email, offer, args.port, samples, errors, lock)
        )
        thread.start()
        threads.append(thread)
    return threads


def report(samples, errors, args) -> None:
    spike = {k: v for k, v in samples.items() if k in SPIKE_PAGES}
    samples = {k: v for k, v in samples.items() if k not in SPIKE_PAGES}
    every = [v for values in samples.values() for v in values]
    total_errors = sum(e for k, e in errors.items() if k not in SPIKE_PAGES)
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
    if spike:
        pages = [v for k, values in spike.items() if k != "spike: sign-in" for v in values]
        spike_errors = sum(errors[k] for k in SPIKE_PAGES)
        print(
            f"publish spike: {args.spike} households within {args.spike_seconds:.0f} s "
            f"(sign-in, home, own offer)"
        )
        for name in SPIKE_PAGES:
            values = spike.get(name, [])
            print(
                f"{name:<24}{len(values):>9}{percentile(values, 50):>9.0f}"
                f"{percentile(values, 95):>9.0f}{percentile(values, 99):>9.0f}{errors[name]:>8}"
            )
        print(
            f"{'spike pages':<24}{len(pages):>9}{percentile(pages, 50):>9.0f}"
            f"{percentile(pages, 95):>9.0f}{percentile(pages, 99):>9.0f}{spike_errors:>8}"
        )
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["_spike_setup"]:
        spike_setup(int(sys.argv[2]), sys.argv[3])
    else:
        main()
