"""A round's results as a spreadsheet (CSV or XLSX): one row per household of the latest
finished run, with its proposal and the current offer's status."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.spreadsheets import Sheet, spreadsheet_bytes
from matching.models import OfferStatus, Proposal
from matching.selectors import round_results
from rounds.models import Round


def results_file(round_: Round, kind: str) -> bytes:
    _run, rows = round_results(round_)
    header = [
        _("Household"),
        _("Persons"),
        _("Municipality"),
        _("AGS"),
        _("Score"),
        _("Reason if unmatched"),
        _("Offer status"),
    ]
    reasons = dict(Proposal._meta.get_field("unmatched_reason").choices or ())
    statuses = dict(OfferStatus.choices)
    table = [
        [
            r["household"],
            r["persons"],
            r["municipality"],
            r["ags"],
            r["score"],
            str(reasons.get(r["unmatched_reason"], "")),
            str(statuses.get(r["offer_status"], "")),
        ]
        for r in rows
    ]
    return spreadsheet_bytes(kind, [Sheet(_("Results"), header, table)])
