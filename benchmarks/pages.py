"""Time the coordinator's pages of a national round: run page, offer lists, evaluation.

    .venv/bin/python benchmarks/pages.py [--households 40000] [--districts 400] [--repeat 20]

Uses DATABASE_URL, by default a database of its own on the local PostgreSQL
(postgres://postgres@127.0.0.1:5432/rematch_pages_40000x400; not the one of
benchmarks/round.py, which deletes its runs). Seeds the synthetic national round once
(``seed_demo --scale national``), runs one iteration and publishes it once (both skipped when
done), then requests each page ``--repeat`` times through the Django test client in this
process and prints p50/p95 per page with the number of queries and the CPU time of the page's
Python work (target: under 500 ms). Also the portal pages of ``benchmarks/load.py`` that carry
the national round (the coordinator's and the caseworker's lists and dashboards, a household's
home and offer when one of the round's households has a sign-in, as the load test's spike
gives them).

Old against new in the same conditions: run an old checkout's own copy of this file with the
same interpreter (``git worktree add /tmp/old <commit>``, then
``cd /tmp/old && /path/to/.venv/bin/python benchmarks/pages.py``): it imports the code beside it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rematch.settings")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
os.environ.setdefault("REMATCH_REQUIRE_MFA", "false")
# Connections kept between requests as load.py's gunicorn keeps them (and a deployment should):
# only a kept connection prepares its queries, and the plans PostgreSQL then keeps are part of
# what a page costs. With Django's default (0) every request here had a new connection.
os.environ.setdefault("DB_CONN_MAX_AGE", "60")


def percentile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=40_000)
    parser.add_argument("--districts", type=int, default=400)
    parser.add_argument("--time-limit", type=float, default=20.0)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault(
        "DATABASE_URL",
        f"postgres://postgres@127.0.0.1:5432/rematch_pages_{args.households}x{args.districts}",
    )
    from round import ensure_database

    ensure_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from accounts.demo import seed as seed_accounts
    from accounts.models import User
    from matching import national_demo
    from matching.models import Offer, Run, RunStatus
    from matching.services.offers import run_publish
    from matching.services.runs import run_start
    from rounds.models import Round

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)
    seed_accounts(scale="demo", stdout=sys.stdout)
    national_demo.seed_national(
        stdout=sys.stdout, households=args.households, districts=args.districts
    )
    from django.db import connection as _connection

    with _connection.cursor() as cursor:  # fresh planner statistics after the bulk seed
        cursor.execute("ANALYZE")
    round_ = Round.objects.get(name=national_demo.ROUND_NAME)
    coordinator = User.objects.filter(role="coordinator").first()
    if coordinator is None:
        raise SystemExit("no coordinator")
    run = round_.runs.filter(status=RunStatus.SUCCEEDED).order_by("-iteration").first()
    if run is None:
        started = time.perf_counter()
        run = run_start(round=round_, by=coordinator, time_limit=args.time_limit)
        run = Run.objects.get(pk=run.pk)
        print(f"run: {run.status}, {time.perf_counter() - started:.1f} s")
    if not run.published_at:
        started = time.perf_counter()
        run_publish(run=run, by=coordinator)
        print(
            f"publish: {Offer.objects.filter(run=run).count()} offers, "
            f"{time.perf_counter() - started:.1f} s"
        )
    # What beat does within a minute of the run and of every answer (evaluation.tasks): the
    # round is measured once and its figures stored; the page reads them.
    from evaluation.models import RoundMetrics
    from evaluation.services.stored import metrics_fingerprint, metrics_refresh

    stored = RoundMetrics.objects.filter(round=round_).values_list("fingerprint", flat=True)
    if stored.first() != metrics_fingerprint(round_):
        started = time.perf_counter()
        metrics_refresh(round=round_)
        print(f"metrics stored: {time.perf_counter() - started:.1f} s")
    offer = Offer.objects.filter(run=run).order_by("pk").first()
    staff = None
    if offer is not None:
        # The districts of the national round have no staff in the seed: one for the first
        # offer's district, as a district's office would have (its dashboard and offer list).
        from municipalities.models import StaffMembership

        staff, _created = User.objects.get_or_create(
            email=f"pages-staff-{offer.municipality.slug}@rematch.example",
            defaults={"role": "municipal_staff"},
        )
        StaffMembership.objects.get_or_create(user=staff, municipality=offer.municipality)

    coordinator_client = Client()
    coordinator_client.force_login(coordinator)
    pages = [
        ("run page", reverse("run_detail", args=[run.pk])),
        ("run page, page 100", reverse("run_detail", args=[run.pk]) + "?page=100"),
        ("run page, unplaced p. 50", reverse("run_detail", args=[run.pk]) + "?unmatched=50"),
        ("runs of the round", reverse("run_list", args=[round_.pk])),
        ("offers of the round", reverse("round_offers", args=[round_.pk])),
        (
            "offers, pending, p. 100",
            reverse("round_offers", args=[round_.pk]) + "?status=pending&page=100",
        ),
        ("evaluation of the round", reverse("round_evaluation", args=[round_.pk])),
    ]
    clients = dict.fromkeys((name for name, _url in pages), coordinator_client)
    if offer is not None:
        pages.append(("offer (coordinator)", reverse("offer_detail", args=[offer.pk])))
        clients["offer (coordinator)"] = coordinator_client
    if staff is not None:
        staff_client = Client()
        staff_client.force_login(staff)
        pages.append(("offer list (staff)", reverse("offer_list")))
        clients["offer list (staff)"] = staff_client
    # The portal pages of benchmarks/load.py that carry the national round: the coordinator's
    # and the caseworker's (the demo organisation holds the 40,000 households), and what a
    # household opens after the e-mail (when one of the round's households has a sign-in).
    caseworker = User.objects.filter(email="beratung@rematch.example").first()
    household_user = User.objects.filter(
        role="refugee", household__offers__run=run, household__offers__status="pending"
    ).first()
    # The staff's dashboard: under the load test its queries once ran as a generic plan that
    # scanned every offer of the round whatever the district (see User.municipality_ids).
    portal = [
        ("staff: /", "/", staff),
        ("coordinator: /", "/", coordinator),
        ("coordinator: households", reverse("household_list"), coordinator),
        ("coordinator: municipalities", reverse("municipality_list"), coordinator),
        ("caseworker: /", "/", caseworker),
        ("caseworker: households", reverse("household_list"), caseworker),
        ("caseworker: offers", reverse("offer_list"), caseworker),
        ("household: /", "/", household_user),
    ]
    if household_user is not None:
        own = Offer.objects.filter(run=run, household__contact_user=household_user).first()
        if own is not None:
            portal.append(
                ("household: own offer", reverse("offer_detail", args=[own.pk]), household_user)
            )
    for name, url, user in portal:
        if user is None:
            continue
        client = Client()
        client.force_login(user)
        pages.append((name, url))
        clients[name] = client
    print(
        f"{args.households} households, {Offer.objects.filter(run=run).count()} offers; "
        f"{args.repeat} requests per page after one warm-up"
    )
    # CPU ms: this process's CPU time per request (the page's Python work, without the
    # database's), which varies much less than the wall time on a shared machine.
    print(
        f"{'page':<30}{'status':>7}{'queries':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}"
        f"{'CPU ms':>8}"
    )
    for name, url in pages:
        client = clients[name]
        client.get(url)  # warm-up: templates, the session
        times, cpu = [], []
        # The evaluation computes for seconds: a few requests tell as much.
        for _ in range(args.repeat if "evaluation" not in name else min(args.repeat, 3)):
            with CaptureQueriesContext(connection) as queries:
                started, started_cpu = time.perf_counter(), time.process_time()
                response = client.get(url, HTTP_ACCEPT_LANGUAGE="de")
                times.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
        print(
            f"{name:<30}{response.status_code:>7}{len(queries):>8}{percentile(times, 50):>9.0f}"
            f"{percentile(times, 95):>9.0f}{max(times):>9.0f}{percentile(cpu, 50):>8.0f}"
        )
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
