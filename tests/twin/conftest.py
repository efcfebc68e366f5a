"""One synthesized assembly and one twin run of the demo scenario per test session: the run takes
minutes (every Glue job run starts its own Spark, as on Glue), every assertion shares it. The
erasure drill goes on from that run's end state (``tests/twin/erasure_drill.py``). The finance zone's
failure drills share one more twin, run in order (``tests/twin/finance_twin.py``)."""

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
    from tests.twin.erasure_drill import erase_after_scenario

    def erasure_drill(twin, samples, work):  # noqa: ANN001, ANN202
        try:
            return erase_after_scenario(twin, samples, work)
        except Exception as err:  # noqa: BLE001 - the erasure drill's tests fail with it, not the whole run's
            return err

    return run_twin(assembly.root, tmp_path_factory.mktemp("twin-run"), then=erasure_drill)


@pytest.fixture(scope="session")
def finance_drills(assembly: Assembly, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The event, killed-promotion, burst and serialized-erasure drills, in order on one twin
    (``tests/twin/finance_twin.py``)."""
    from tests.twin import finance_twin
    from tests.twin.test_bursts import burst_drill
    from tests.twin.test_drills import event_drills, killed_drill
    from tests.twin.test_serialized_erasure_drill import serialized_drill

    return finance_twin.run(assembly, tmp_path_factory.mktemp("drill-finance"), event_drills, killed_drill,
                            burst_drill, serialized_drill)
