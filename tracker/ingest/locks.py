"""Confirmed months are locked: a load that would change one needs a reason (docs/ledgers.md,
"Confirmed months").

A unit confirms a month of a ledger (`tracker confirm`); from then on a file with rows in that
month, or a --replace of it, is refused naming the months, unless `--reason "…"` says why. The
reason is kept on the load, and the records it replaces are kept in the history.
"""

from __future__ import annotations

import duckdb

from tracker.ingest.context import FileContext, Prepared
from tracker.store.history import confirmed_among

LOCKED = "已经确认，不能直接改动"  # in the refusal's message: the web page asks for a reason when it sees it


def check_locks(ctx: FileContext, prepared: Prepared, con: duckdb.DuckDBPyConnection) -> None:
    """An error when the load would change a confirmed month and gives no reason; a warning when it does
    with one (the change is recorded)."""
    locked = confirmed_among(con, ctx.kind.key, prepared.touched)
    if not locked:
        return
    by_unit: dict[str, list[str]] = {}
    for unit, month, when, account in locked:
        by_unit.setdefault(unit, []).append(f"{month}（{account or '—'} 于 {when:%Y-%m-%d %H:%M} 确认）")
    said = "；".join(f"{u} {'、'.join(ms)}" for u, ms in by_unit.items())
    if ctx.opts.reason:
        ctx.warn(f"本文件改动了已确认的月份：{said}；更正原因“{ctx.opts.reason}”已记入修改记录（tracker history）")
        return
    ctx.error(f"{ctx.kind.name}的这些月份{LOCKED}：{said}。如确需更正，请加 --reason \"更正原因\" "
              "重新导入；原因和改动前后的记录会记入修改记录（tracker history）")
