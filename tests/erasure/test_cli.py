"""`lake forget` usage: a subject it cannot look for is a usage error (exit 2), said plainly,
before any data is touched."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lake.cli import main
from tests.conftest import ZONES


@pytest.mark.parametrize(("subject", "message"), [
    ("dana.lee@example.com", "--subject needs KIND=VALUE"),
    ("person_mail=dana.lee@example.com", "unknown subject kind 'person_mail' (known: person_email, person_id); "
                                          "did you mean 'person_email'?"),
    ("person_email=  ", "needs a value"),
    ("person_id=42", "no contract marks a column as subject 'person_id'"),
])
def test_bad_subjects_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], subject: str, message: str) -> None:
    home = tmp_path / "home"
    assert main(["forget", "--subject", subject, "--home", str(home), "--config", str(ZONES)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lake forget: ") and message in err
    assert not (home / "landing" / "_erasure").exists()  # no request was written


def test_forget_is_listed_in_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["forget", "--help"])
    assert "KIND=VALUE" in capsys.readouterr().out


def test_contract_edits_are_seen_by_forget(zones_copy: Path, tmp_path: Path) -> None:
    path = zones_copy / "finance/datasets/expenses.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["schema"][0]["properties"][1]["customProperties"] = [{"property": "subject", "value": "persn_email"}]
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    assert main(["forget", "--subject", "person_email=a@b.c", "--home", str(tmp_path / "h"),
                 "--config", str(zones_copy)]) == 2  # bad config: nothing runs
