"""``python manage.py export_instance ROUND -o FILE``: the round's current instance."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand

from matching import scoring
from matching.management.commands._round_arg import find_round
from matching.services.instance import build_instance, load_round


class Command(BaseCommand):
    help = "Write the round's current rematch-instance/1 (open households, free capacity)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("round", help="round id or exact name")
        parser.add_argument("-o", "--output", default="-", help="file name, or - for stdout")

    def handle(self, *args: Any, **options: Any) -> None:
        round_ = find_round(options["round"])
        document, _ = build_instance(load_round(round_), scoring.normalised_weights(round_.weights))
        text = json.dumps(document, ensure_ascii=False, indent=1)
        if options["output"] == "-":
            sys.stdout.write(text + "\n")
        else:
            with open(options["output"], "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
            self.stderr.write(
                f"{len(document['households'])} households, "
                f"{len(document['municipalities'])} municipalities, "
                f"{len(document['scores'])} compatible pairs -> {options['output']}"
            )
