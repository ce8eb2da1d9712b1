"""``python manage.py match_round ROUND``: run one matching iteration and print a summary."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from core.validation import error_text
from matching.management.commands._round_arg import find_round
from matching.models import RunStatus
from matching.services.runs import METHODS, run_execute, run_start


class Command(BaseCommand):
    help = "Run one matching iteration of a round (in this process) and print a summary."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("round", help="round id or exact name")
        parser.add_argument("--method", choices=METHODS, default="auto")
        parser.add_argument("--time-limit", type=float, default=60.0)
        parser.add_argument("--as", dest="email", help="coordinator e-mail recorded as starter")
        parser.add_argument(
            "--reason",
            default="",
            help="reason code for running the round again (required from the second run on; "
            "see docs/reasons.md)",
        )
        parser.add_argument("--note", default="", help="note beside the reason code")

    def handle(self, *args: Any, **options: Any) -> None:
        round_ = find_round(options["round"])
        by = self._coordinator(options.get("email"))
        try:
            run = run_start(
                round=round_,
                by=by,
                method=options["method"],
                time_limit=options["time_limit"],
                reason_code=options["reason"],
                reason=options["note"],
            )
        except ValidationError as error:
            raise CommandError(error_text(error)) from None
        run = run_execute(run_id=run.pk) or run
        run.refresh_from_db()
        if run.status != RunStatus.SUCCEEDED:
            raise CommandError(f"run #{run.iteration} failed: {run.error}")
        self.stdout.write(
            f"round: {round_.name}\nrun: #{run.iteration}\n"
            f"households matched: {run.matched_households} of {run.household_count}\n"
            f"persons matched: {run.matched_persons}\n"
            f"total score: {run.objective:.0f}\n"
            f"method: {run.engine_method} ({run.engine_status})\n"
            f"seconds: {sum(v for v in run.stage_seconds.values() if v):.2f} "
            f"(solve {run.solve_seconds:.2f})\n"
        )

    def _coordinator(self, email: str | None) -> User:
        users = User.objects.filter(role="coordinator", is_active=True)
        user = (users.filter(email=email) if email else users.order_by("pk")).first()
        if user is None:
            raise CommandError("no coordinator account found (use --as EMAIL)")
        return user
