"""The `tracker` command: option parsing and printing only; the work is in `tracker.api`.

One module per command group (docs/architecture.md, "Where does a new command go"):
`ledgers` (init, load, status, backup), `history` (confirm, history), `assess` (check, rules, review), `signins` (`tracker signin …`), `reports`
(`tracker report NAME`, from the reports registry), `documents` (certificate, export,
template), `people` (volunteer), `awards` (`tracker awards …`), `demo`, `web` (serve, user) and `run` (exit codes, errors in Chinese). The
commands are listed once below, in the order `tracker --help` shows them.
"""

from __future__ import annotations

from tracker.cli import (
    assess,
    awards,
    demo,
    documents,
    history,
    ledgers,
    people,
    platforms,
    reports,
    signins,
    web,
)
from tracker.cli.app import app
from tracker.cli.reports import report_app
from tracker.cli.run import main, usage_message

COMMANDS = (
    ("init", ledgers.init),
    ("load", ledgers.load),
    ("status", ledgers.status),
    ("confirm", history.confirm),
    ("history", history.history),
    ("check", assess.check),
    ("backup", ledgers.backup),
    ("rules", assess.rules_cmd),
    ("review", assess.review),
    ("volunteer", people.volunteer),
    ("export", documents.export),
    ("reconcile", platforms.reconcile),
    ("template", documents.template),
    ("demo", demo.demo),
    ("serve", web.serve),
)
GROUPS = (("awards", awards.awards_app), ("certificate", documents.certificate_app), ("signin", signins.signin_app), ("user", web.user_app))

for _name, _command in COMMANDS:
    app.command(_name)(_command)
reports.register()
for _name, _group in GROUPS:
    app.add_typer(_group, name=_name)

__all__ = ["app", "report_app", "main", "usage_message"]
