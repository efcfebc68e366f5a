"""Progress of long commands: a status line on a terminal, nothing at all when piped."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lake import progress
from lake.cli import main
from tests.conftest import ZONES

REPO = Path(__file__).resolve().parents[1]
HEADER = ("expense_id,employee_email,cost_center_id,category,amount,currency,expense_date,submitted_at,approved,"
          "description\n")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _expenses(path: Path, rows: int) -> Path:
    lines = [f"{i},e{i}@example.com,CC-100,travel,{i % 90}.50,USD,03/0{1 + i % 9}/2024,2024-03-01T10:00:00Z,yes,"
             f"note {i}\n" for i in range(1, rows + 1)]
    path.write_text(HEADER + "".join(lines))
    return path


def test_a_terminal_sees_stage_rows_throughput_and_elapsed() -> None:
    term = Terminal()
    with progress.reporting("lake drop", term):
        progress.stage("validator finance_staging.expenses")
        progress.expect(4_000_000)
        progress.advance(rows=1000, bytes_done=2_000_000)
        line = progress._current.get().line()  # type: ignore[union-attr]
        progress.done("validator", "finance_staging.expenses", "succeeded", 1000)
    assert line.startswith("validator finance_staging.expenses · 1,000 rows · 2/4 MB (50 %), ")
    assert "MB/s" in line and line.endswith(" s")
    out = term.getvalue()
    assert "\r" in out and "succeeded validator finance_staging.expenses, 1,000 rows" in out
    assert out.endswith("\r")  # the status line is wiped before the command prints its answer


def test_other_output_never_lands_on_the_status_line(capsys: pytest.CaptureFixture[str]) -> None:
    term = Terminal()
    with progress.reporting("lake demo", term):
        progress.stage("to_ods finance_ods.expenses")
        print("  promoted finance_ods.expenses")  # the demo's own lines, on stdout
        at_print = term.getvalue()
    assert at_print.endswith("\r")  # the status line was wiped before the print
    assert capsys.readouterr().out == "  promoted finance_ods.expenses\n"


def test_piped_output_gets_no_status_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LAKE_PROGRESS", raising=False)
    pipe = io.StringIO()
    with progress.reporting("lake run", pipe) as reporter:
        progress.stage("to_ods finance_ods.expenses")
        progress.advance(rows=5)
    assert reporter is None and pipe.getvalue() == ""


def test_lake_drop_piped_prints_only_its_answer(tmp_path: Path) -> None:
    """A real `lake drop` whose stdout and stderr are pipes: one summary line, no carriage returns."""
    src = _expenses(tmp_path / "expenses_2024-03-01.csv", 2000)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("LAKE_PROGRESS", None)
    proc = subprocess.run([sys.executable, "-m", "lake.cli", "drop", str(src), "--zone", "finance", "--dataset",
                           "expenses", "--home", str(tmp_path / "home"), "--config", str(ZONES)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("\n") == 1 and proc.stdout.startswith("staged ")
    assert "2000 staged" in proc.stdout
    assert "\r" not in proc.stdout + proc.stderr and proc.stderr == ""


def test_lake_drop_on_a_terminal_reports_the_validation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("LAKE_PROGRESS", "1")  # capsys is no terminal: force the status line on
    src = _expenses(tmp_path / "expenses_2024-03-01.csv", 500)
    code = main(["drop", str(src), "--zone", "finance", "--dataset", "expenses", "--home", str(tmp_path / "home"),
                 "--config", str(ZONES)])
    out, err = capsys.readouterr()
    assert code == 0
    assert "\r" not in out and out.startswith("staged ")
    assert "\rvalidator finance_staging.expenses" in err
    assert "succeeded validator finance_staging.expenses, 500 rows" in err


def test_lake_twin_says_which_phase_it_is_in(tmp_path: Path) -> None:
    from lake.twin.run import run_twin

    term = Terminal()
    with progress.reporting("lake twin", term):
        report = run_twin(assembly_dir=tmp_path / "no-cdk-out", work=tmp_path, local=False)
    assert report.problems and report.problems[0].startswith("deploy: ")
    assert f"twin: reading {tmp_path / 'no-cdk-out'}" in term.getvalue()
