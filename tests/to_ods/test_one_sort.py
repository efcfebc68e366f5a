"""The job's own statement settings: the latest-per-key dedupe sorts a batch once (no map-side sort for
Spark's window group limit), the MERGE hash-joins the smaller batch, and the session's own settings are
back afterwards."""

from __future__ import annotations

import pytest

from lake.tasks.to_ods import transforms as T
from lake.tasks.to_ods.promote import WINDOW_GROUP_LIMIT, one_sort

pytestmark = pytest.mark.spark


def plan(spark) -> str:  # noqa: ANN001
    rows = spark.createDataFrame([(1, 5, 0, 1), (1, 6, 0, 2), (2, 5, 0, 3)],
                                 "id long, at long, _ingest_seq int, _row_number long")
    latest = T.latest_per_key(rows, ["id"], "at")
    assert sorted(tuple(r) for r in latest.collect()) == [(1, 6, 0, 2), (2, 5, 0, 3)]
    return latest._jdf.queryExecution().optimizedPlan().toString()


def test_the_dedupe_plans_one_sort_inside_and_the_session_setting_is_restored(spark) -> None:  # noqa: ANN001
    assert "WindowGroupLimit" in plan(spark)  # Spark's default: a limit (and its sort) before the shuffle
    with one_sort(spark):
        assert "WindowGroupLimit" not in plan(spark)
    assert spark.conf.get(WINDOW_GROUP_LIMIT, None) is None
    spark.conf.set(WINDOW_GROUP_LIMIT, "10")
    try:
        with one_sort(spark):
            assert spark.conf.get(WINDOW_GROUP_LIMIT) == "-1"
        assert spark.conf.get(WINDOW_GROUP_LIMIT) == "10"
    finally:
        spark.conf.unset(WINDOW_GROUP_LIMIT)


def test_the_merge_settings_plan_a_hash_join_of_the_smaller_side_and_are_restored(spark) -> None:  # noqa: ANN001
    from lake.sql.spark import conf
    from lake.tasks.to_ods.promote import HASH_JOIN

    def join() -> str:  # a full outer join is never broadcast: sort-merge or shuffled hash
        table, batch = spark.range(100_000).toDF("k"), spark.range(1_000).toDF("k")
        return table.join(batch, "k", "full_outer")._jdf.queryExecution().sparkPlan().toString()

    assert "SortMergeJoin" in join()
    with conf(spark, HASH_JOIN):
        assert "ShuffledHashJoin [k#" in (plan := join()) and "FullOuter, BuildRight" in plan  # the batch is built
    assert "SortMergeJoin" in join() and all(spark.conf.get(k, None) != v for k, v in HASH_JOIN.items())
