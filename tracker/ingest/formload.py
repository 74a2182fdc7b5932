"""Load every form of one command together, or none of them (docs/ledgers.md, "Forms").

`tracker load applications` takes files and folders of filled forms. Each file is read
(`forms.read_forms`), every form's values go through the same column parsers as a ledger's
(`validate.parse_table`, one row per form), then the kind's `prepare` checks them against
each other and the database. If any form of any file has an error, nothing is written;
otherwise one transaction writes a `loads` row per file and every form. A file loaded
before (same SHA-256) is skipped without being read, as ledgers are.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import polars as pl

from tracker.ingest.common import record_load
from tracker.ingest.context import LoadOptions
from tracker.ingest.forms import FormBatch, FormKind, ReadForm, read_forms
from tracker.ingest.labelgrid import FORM_SUFFIXES, OLD_FORMATS
from tracker.ingest.pipeline import (
    ANY_SHEET,
    FileResult,
    earlier_load,
    file_digest,
    unchanged_result,
)
from tracker.ingest.read import ROW
from tracker.ingest.validate import parse_table
from tracker.problems import Problem, TrackerError
from tracker.store.db import fault_pause, transaction

# files a folder of forms may also hold that are not forms (photos, scans): skipped with a note
_NOT_FORMS = {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".pdf", ".txt", ".db", ".ini"}


def expand(paths: list[Path]) -> tuple[list[Path], list[Problem]]:
    """Files given and the forms inside folders given (sorted, subfolders too); Office's lock
    files (~$…) and hidden files are passed over, photos and other files with a note."""
    files: list[Path] = []
    notes: list[Problem] = []
    for p in paths:
        if not p.is_dir():
            files.append(p)
            continue
        found = []
        for f in sorted(x for x in p.rglob("*") if x.is_file()):
            if f.name.startswith(("~$", ".")):
                continue
            suffix = f.suffix.lower()
            if suffix in FORM_SUFFIXES or (suffix in OLD_FORMATS and suffix not in _NOT_FORMS):
                found.append(f)
            else:
                notes.append(Problem(f.name, None, None, None, "不是 Word 或 Excel 文件，已跳过", "warning"))
        if not found:
            raise TrackerError(f"文件夹 {p} 中没有 .docx、.xlsx 或 .xls 文件。")
        files.extend(found)
    return files, notes


def _frame(kind: FormKind, forms: list[ReadForm]) -> tuple[pl.DataFrame, list[str]]:
    """One row per form: each field's text (ROW = the form's index from 1), and numeric flags
    for the columns whose Excel numbers are ambiguous (months, ID numbers)."""
    keys = [c.key for c in kind.columns]
    flagged = [c.key for c in kind.columns if c.type in ("month", "id_number")]
    data: dict[str, list] = {k: [f.fields[k].value if k in f.fields else None for f in forms] for k in keys}
    for k in flagged:
        data[f"{k}__num"] = [bool(k in f.fields and f.fields[k].numeric) for f in forms]
    data[ROW] = list(range(1, len(forms) + 1))
    schema = {k: pl.String for k in keys} | {f"{k}__num": pl.Boolean for k in flagged} | {ROW: pl.Int64}
    return pl.DataFrame(data, schema=schema), keys


def load_forms(con: duckdb.DuckDBPyConnection, kind: FormKind, paths: list[Path], opts: LoadOptions,
               progress: Callable[[str], None] | None = None) -> list[FileResult]:
    """Check every form of every file; store them all in one transaction, or nothing."""
    files, notes = expand(paths)
    results: list[FileResult] = []
    forms: list[ReadForm] = []
    seen: dict[str, str] = {}
    digests: list[str] = []
    names = [p.name for p in files]
    for i, path in enumerate(files):
        # two files of one name (in two subfolders) are told apart by their folder
        label = path.name if names.count(path.name) == 1 else f"{path.parent.name}/{path.name}"
        if progress:
            progress(str(path))
        result = FileResult(label, kind.key, "checked")
        results.append(result)
        digests.append(file_digest(path) if path.is_file() else "")
        try:
            digest = digests[-1]
            if digest and digest in seen:
                raise TrackerError(f"{label}：与 {seen[digest]} 内容完全相同，同一份表只需导入一次。")
            seen[digest] = label
            prev = earlier_load(con, kind.key, digest, ANY_SHEET, opts.reach) if digest else None
            if prev and not prev[2] and not opts.replace:
                results[-1] = unchanged_result(label, kind.key, prev, None)
                continue
            found, warnings = read_forms(path, label, kind, i, opts.sheet)
        except TrackerError as e:
            result.status = "rejected"
            result.problems.append(Problem(label, None, None, None, e.message))
            continue
        forms.extend(found)
        result.problems.extend(warnings)
        result.rows = len(found)
    if results:
        results[0].problems[:0] = notes
    if not forms or any(r.status == "rejected" for r in results):
        return _refused(results)
    batch = FormBatch(kind, forms, opts)
    typed_in, keys = _frame(kind, forms)
    typed, problems = parse_table(typed_in, kind, keys)
    batch.add_frame(problems)
    prepared = kind.prepare(batch, typed, con)
    for n, form in enumerate(forms, start=1):
        for u in opts.outside([u for u in [prepared.units.get(n)] if u]):
            batch.problems.add(form.file, None, "所在单位", u, f"单位“{u}”不在您的账户范围内，不能导入。")
    file_of = {f.file: results[f.file_index] for f in forms}
    for p in batch.problems.sorted():
        file_of[p.file].problems.append(p)
    if batch.problems.errors:
        return _refused(results)
    for n, form in enumerate(forms, start=1):
        r = results[form.file_index]
        if prepared.units[n] not in r.units:
            r.units.append(prepared.units[n])
        month = prepared.dates[n].strftime("%Y-%m")
        if month not in r.months:
            r.months.append(month)
    if opts.dry_run:
        return results
    with transaction(con):
        load_ids: dict[int, int] = {}
        for i, r in enumerate(results):
            if r.status != "checked":
                continue
            mine = [n for n, f in enumerate(forms, start=1) if f.file_index == i]
            as_of = min(prepared.dates[n] for n in mine)
            load_ids[i] = record_load(
                con, kind=kind.key, file_name=r.file, file_path=str(files[i].resolve()), file_hash=digests[i],
                sheet=forms[mine[0] - 1].sheet, units=sorted(r.units), months=sorted(r.months), as_of=as_of,
                rows=len(mine), replaced=opts.replace, account=opts.account)
        outcomes = prepared.write(con, load_ids)
        fault_pause()
    for n, form in enumerate(forms, start=1):
        r = results[form.file_index]
        r.status = "loaded"
        r.counts[outcomes[n]] = r.counts.get(outcomes[n], 0) + 1
    return results


def _refused(results: list[FileResult]) -> list[FileResult]:
    """Nothing is written: every file of the command is reported as not loaded."""
    for r in results:
        if r.status == "unchanged":
            continue
        if r.status != "rejected" and not any(p.level == "error" for p in r.problems):
            r.message = "本次导入的其他表格有错误，全部表格都未导入（请改正后一起重新导入）"
        r.status = "rejected"
    return results


__all__ = ["load_forms", "expand"]
