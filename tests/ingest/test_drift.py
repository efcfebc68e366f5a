"""Schema drift never erases data (issue 16): renamed and missing columns, duplicate keys in a file,
the same bytes under a new name, `lake replay` and `lake acknowledge`, and what `lake status` says."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lake.cli import main
from lake.local.ingest import drop_file
from lake.local.replay import replay
from lake.runtime.context import Context
from lake.status import status
from lake.tasks.ingest import ReplayRefused, acknowledge_task, replay_task
from tests.conftest import ZONES
from tests.ingest.conftest import HEADER, expenses, good_rows, report, write

RENAMED = HEADER.replace(",amount,", ",amount_usd,")
CONTRACT = "finance/datasets/expenses.yaml"


def zones(tmp_path: Path, *custom: str) -> Path:
    """A copy of the repo's zones, the expenses contract given extra customProperties lines."""
    dst = tmp_path / "zones"
    if not dst.exists():
        shutil.copytree(ZONES, dst)
    path = dst / CONTRACT
    path.write_text(path.read_text() + "".join(f"  - {c}\n" for c in custom))
    return dst


def expenses_table(ctx: Context) -> dict:
    [row] = [r for r in status(ctx, "finance") if r["table"] == "finance_ods.expenses"]
    return row


def test_a_renamed_required_column_quarantines_the_file_naming_both_columns(ctx, tmp_path):
    path = write(tmp_path, "renamed.csv", "\n".join([RENAMED, *good_rows(2)]) + "\n")
    [rec] = drop_file(ctx, path, "finance", "expenses")
    assert rec.outcome == "quarantined" and rec.staged_key is None
    assert rec.reason.startswith("required column(s) missing from the header: amount (did you mean 'amount_usd'?);"
                                 " unknown column(s): amount_usd")
    rep = report(ctx, rec)
    assert (rep["missing_columns"], rep["unknown_columns"]) == (["amount"], ["amount_usd"])
    assert rep["did_you_mean"] == {"amount": "amount_usd"}


def test_a_renamed_optional_column_is_staged_with_the_rename_named(ctx, tmp_path):
    path = write(tmp_path, "renamed.csv", "\n".join([HEADER.replace("description", "descr"), *good_rows(2)]) + "\n")
    [rec] = drop_file(ctx, path, "finance", "expenses")
    assert rec.outcome == "staged" and "description" not in rec.columns
    assert rec.warnings == ["optional column(s) absent from the file: description (did you mean 'descr'?); "
                            "ODS keeps their current values on update", "extra columns dropped: descr"]


def test_an_absent_latest_wins_column_is_named_with_what_it_means(ctx, tmp_path):
    rows = [",".join(v for i, v in enumerate(r.split(",")) if i != 7) for r in good_rows(2)]
    [rec] = drop_file(ctx, write(tmp_path, "unordered.csv", "\n".join([HEADER.replace(",submitted_at", ""), *rows])
                                 + "\n"), "finance", "expenses")
    assert rec.outcome == "staged" and "submitted_at" not in rec.columns
    assert rec.warnings[1] == ("the latestWins column submitted_at is absent: this file's rows add new keys but "
                               "update no existing row (except rows whose submitted_at is null)")


def test_absent_columns_null_is_the_contracts_choice(tmp_path):
    ctx = Context.local(tmp_path / "home", zones(tmp_path, "{property: absentColumns, value: set_null}"))
    path = write(tmp_path, "short.csv", "\n".join([HEADER.replace(",description", ""),
                                                   *[r.rsplit(",", 1)[0] for r in good_rows(2)]]) + "\n")
    [rec] = drop_file(ctx, path, "finance", "expenses")
    assert rec.outcome == "staged" and "description" in rec.columns  # so the promotion nulls it
    assert "set to null in ODS on update (contract: absentColumns set_null)" in rec.warnings[0]


DUPS = expenses(*good_rows(3), *good_rows(1, start=2), *good_rows(1, start=2), *good_rows(1, start=3))


def test_duplicate_keys_are_reported_and_the_latest_row_is_kept_by_default(ctx, tmp_path):
    [rec] = drop_file(ctx, write(tmp_path, "dups.csv", DUPS), "finance", "expenses")
    assert rec.outcome == "staged" and rec.rows_staged == 6  # the promotion keeps the latest of each key
    assert rec.warnings[0].startswith("2 key(s) appear more than once in the file (3 extra row(s)), e.g. "
                                      "expense_id=2 at rows 2, 4, 5; expense_id=3 at rows 3, 6; the latest row")
    key = rec.warnings[0].split("(report: ")[1].rstrip(")")  # an ingest report although the file was staged
    rep = json.loads((ctx.home.landing / key).read_text())
    assert rep["outcome"] == "staged" and rep["duplicate_keys"] == {
        "keys": 2, "extra_rows": 3, "policy": "latest",
        "examples": [{"key": {"expense_id": 2}, "rows": [2, 4, 5]}, {"key": {"expense_id": 3}, "rows": [3, 6]}]}


def test_duplicate_keys_quarantine_the_file_when_the_contract_says_so(tmp_path):
    ctx = Context.local(tmp_path / "home", zones(tmp_path, "{property: duplicateKeys, value: quarantine}"))
    [rec] = drop_file(ctx, write(tmp_path, "dups.csv", DUPS), "finance", "expenses")
    assert rec.outcome == "quarantined" and rec.reason.endswith("(contract: duplicateKeys quarantine)")
    assert "expense_id=2 at rows 2, 4, 5" in rec.reason
    assert report(ctx, rec)["duplicate_keys"]["policy"] == "quarantine"
    assert not list(ctx.home.staging.rglob("*.parquet"))


def test_the_same_bytes_under_a_new_name_are_a_duplicate_of_the_first_ingest(ctx, tmp_path):
    [first] = drop_file(ctx, write(tmp_path, "monday.csv", expenses(*good_rows(2))), "finance", "expenses")
    [again] = drop_file(ctx, write(tmp_path, "monday-copy.csv", expenses(*good_rows(2))), "finance", "expenses")
    assert (first.outcome, again.outcome, again.duplicate_of) == ("staged", "duplicate", first.ingest_id)
    assert f"as ingest {first.ingest_id} (finance/expenses/monday.csv, staged)" in again.reason
    assert [r.ingest_id for r in ctx.ledger.pending_promotion("finance", "expenses")] == [first.ingest_id]
    # Other bytes under the copy's name are a new ingest; the same bytes in another dataset are not a duplicate.
    [other] = drop_file(ctx, write(tmp_path, "monday-copy.csv", expenses(*good_rows(3))), "finance", "expenses")
    assert other.outcome == "staged"


def test_a_quarantined_files_bytes_sent_again_point_at_replay(ctx, tmp_path):
    body = "\n".join([RENAMED, *good_rows(2)]) + "\n"
    [bad] = drop_file(ctx, write(tmp_path, "a.csv", body), "finance", "expenses")
    [again] = drop_file(ctx, write(tmp_path, "a-again.csv", body), "finance", "expenses")
    assert again.outcome == "duplicate" and again.duplicate_of == bad.ingest_id
    assert f"run `lake replay {bad.ingest_id}`" in again.reason


def test_replay_after_a_contract_fix_is_a_new_attempt_of_the_same_ingest(tmp_path):
    root = zones(tmp_path, "{property: duplicateKeys, value: quarantine}")
    ctx = Context.local(tmp_path / "home", root)
    [rec] = drop_file(ctx, write(tmp_path, "dups.csv", DUPS), "finance", "expenses")
    assert rec.outcome == "quarantined" and expenses_table(ctx)["health"] == "failing"
    with pytest.raises(ReplayRefused, match="no ingest nope in the ledger"):
        replay_task(ctx, "nope")
    # Replaying under the unchanged contract quarantines it again: still one record, one more replay.
    [same] = replay(ctx, [rec.ingest_id])[0]
    assert (same.ingest_id, same.outcome, same.replays) == (rec.ingest_id, "quarantined", 1)
    fixed = shutil.copytree(root, tmp_path / "fixed")  # a new folder: the tests cache config per folder
    (fixed / CONTRACT).write_text((fixed / CONTRACT).read_text().replace("duplicateKeys, value: quarantine}",
                                                                       "duplicateKeys, value: latest}"))
    ctx = Context.local(tmp_path / "home", fixed)  # the next command reads the fixed contract
    records, refused = replay(ctx, [], "finance.expenses")
    assert refused == [] and [(r.ingest_id, r.outcome, r.replays) for r in records] == [(rec.ingest_id, "staged", 2)]
    done = ctx.ledger.get(rec.ingest_id)
    assert done.replayed_at and done.rows_staged == 6 and done.quarantine_key is None and done.landing_key
    assert [r.ingest_id for r in ctx.ledger.records()] == [rec.ingest_id]  # no duplicate record, no new ingest
    assert [r.ingest_id for r in ctx.ledger.pending_promotion("finance", "expenses")] == [rec.ingest_id]
    table = expenses_table(ctx)
    assert table["open_quarantines"] == [] and table["health"] != "failing"
    with pytest.raises(ReplayRefused, match="is staged: only quarantined files are replayed"):
        replay_task(ctx, rec.ingest_id)


def test_a_later_clean_load_leaves_a_quarantine_open_until_acknowledged(ctx, tmp_path):
    [bad] = drop_file(ctx, write(tmp_path, "renamed.csv", "\n".join([RENAMED, *good_rows(2)]) + "\n"),
                      "finance", "expenses")
    [good] = drop_file(ctx, write(tmp_path, "good.csv", expenses(*good_rows(2, start=5))), "finance", "expenses")
    assert good.outcome == "staged"
    table = expenses_table(ctx)
    assert table["health"] == "failing" and [q["ingest_id"] for q in table["open_quarantines"]] == [bad.ingest_id]
    assert any(a["cause"] == "file quarantined" for a in ctx.records.rows("open_alerts"))
    acknowledge_task(ctx, bad.ingest_id, "tester: the producer sent a corrected file")
    table = expenses_table(ctx)
    assert table["open_quarantines"] == [] and table["health"] != "failing"
    assert not any(a["cause"] == "file quarantined" for a in ctx.records.rows("open_alerts"))
    assert [a.subject for a in ctx.alerts.read() if a.zone == "finance"][-1] == \
        "recovered: finance_ods.expenses (file quarantined)"
    assert ctx.ledger.get(bad.ingest_id).acknowledged_by == "tester: the producer sent a corrected file"


def test_drop_ingest_and_replay_print_each_quarantined_files_report(tmp_path, capsys):
    home, root = str(tmp_path / "home"), str(zones(tmp_path))
    bad = write(tmp_path, "renamed.csv", "\n".join([RENAMED, *good_rows(2)]) + "\n")
    assert main(["drop", str(bad), "--zone", "finance", "--dataset", "expenses", "--home", home,
                 "--config", root]) == 1
    out = capsys.readouterr().out
    [line] = [x for x in out.splitlines() if x.startswith("  report: ")]
    path = Path(line.removeprefix("  report: "))
    assert path.is_file() and path.name == "renamed.csv.report.json" and "did you mean 'amount_usd'" in out
    stray = tmp_path / "home" / "ingress" / "finance" / "expenses" / "copied.csv"
    stray.write_text("\n".join([RENAMED, *good_rows(3)]) + "\n")
    assert main(["ingest", "--home", home, "--config", root]) == 1
    out = capsys.readouterr().out
    assert "  report: " in out and Path(out.split("  report: ")[1].split()[0]).name == "copied.csv.report.json"
    ingest_id = out.split("[ingest ")[1].split("]")[0]
    assert main(["replay", ingest_id, "--home", home, "--config", root]) == 1  # contract unchanged: again
    assert "copied.csv.report.json" in capsys.readouterr().out
    assert main(["replay", "--home", home, "--config", root]) == 2
    assert main(["acknowledge", ingest_id, "--reason", "sent again fixed", "--home", home, "--config", root]) == 0
    assert "no longer an open quarantine" in capsys.readouterr().out
