"""One synthesized assembly and one twin run of the demo scenario per test session: the run takes
minutes (every Glue job run starts its own Spark, as on Glue), every assertion shares it."""

from __future__ import annotations

from pathlib import Path

import pytest

from lake.twin.assembly import Assembly, synthesize

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def assembly(tmp_path_factory: pytest.TempPathFactory) -> Assembly:
    return synthesize(REPO, tmp_path_factory.mktemp("twin-cdk.out"))


@pytest.fixture(scope="session")
def twin_report(assembly: Assembly, tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201 - lake.twin.run.Report
    from lake.twin.run import run_twin

    return run_twin(assembly.root, tmp_path_factory.mktemp("twin-run"))
