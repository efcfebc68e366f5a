"""OpenLineage events for every task run: START when it opens, COMPLETE or FAIL when it ends.

Through openlineage-python: locally a file transport (``$LAKE_HOME/platform/openlineage.jsonl``,
one event per line); on AWS an HTTP endpoint when ``OPENLINEAGE_URL`` is set. Dataset names follow
the OpenLineage naming spec: S3 objects ``s3://<bucket>`` + key, Glue tables
``arn:aws:glue:<region>:<account>`` + ``table/<database>/<table>``. A projection's output carries the
``columnLineage`` facet (from its SQL) and its job the ``sql`` facet. Run ids are UUIDs derived from
the platform run id (``uuid5``), so the run log and the lineage events join.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import (
    column_lineage_dataset,
    data_quality_metrics_input_dataset,
    error_message_run,
    job_type_job,
    output_statistics_output_dataset,
    parent_run,
    schema_dataset,
    sql_job,
)

PRODUCER = "urn:insight-lake:platform"  # a URI naming this producer (no public repository URL to cite)
NAMESPACE = "insight-lake"  # the job namespace: one per deployment


def ol_run_id(run_id: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"insight-lake:{run_id}"))


def dataset_name(ref: str) -> tuple[str, str]:
    """(namespace, name) per the naming spec, for ``s3://bucket/key`` or ``<db>.<table>``."""
    if ref.startswith("s3://"):
        bucket, _, key = ref[5:].partition("/")
        return f"s3://{bucket}", key or "/"
    region = os.environ.get("AWS_REGION", "local")
    account = os.environ.get("AWS_ACCOUNT_ID", "000000000000")
    db, _, table = ref.partition(".")
    return f"arn:aws:glue:{region}:{account}", f"table/{db}/{table}"


def _client(ctx: Any) -> OpenLineageClient:
    url = os.environ.get("OPENLINEAGE_URL")
    if url:
        return OpenLineageClient(config={"transport": {"type": "http", "url": url}})
    path = ctx.home.platform / "openlineage.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    return OpenLineageClient(config={"transport": {"type": "file", "log_file_path": str(path), "append": True}})


def _schema(ctx: Any, table: str) -> schema_dataset.SchemaDatasetFacet | None:
    zone, _, name = table.partition("_ods.")
    z = ctx.cfg.zones.get(zone)
    ds = z.datasets.get(name) if z and name else None
    if ds is None:
        return None
    return schema_dataset.SchemaDatasetFacet(fields=[
        schema_dataset.SchemaDatasetFacetFields(name=c.name, type=c.type.sql, description=c.description or None)
        for c in ds.columns if c.pii != "drop"])


def _projection(ctx: Any, table: str) -> Any:
    return next((p for z in ctx.cfg.zones.values() for p in z.projections.values() if p.table == table), None)


def column_lineage(ctx: Any, table: str) -> column_lineage_dataset.ColumnLineageDatasetFacet | None:
    """A SQL projection's columnLineage facet: each output column -> the input columns it is computed from
    (DIRECT: IDENTITY, TRANSFORMATION or AGGREGATION), by the trace the PII classification makes, and the
    columns that shape the whole output (INDIRECT: FILTER, JOIN, GROUP_BY, SORT)."""
    from lake.config.pii_lineage import column_lineage as traced
    from lake.lineage import indirect

    sources = traced(ctx.cfg, table)
    if not sources:
        return None
    fields = {}
    for column, inputs in sources.items():
        if not inputs:
            continue  # a constant or COUNT(*): computed from no input column
        fields[column] = column_lineage_dataset.Fields(inputFields=[
            column_lineage_dataset.InputField(*dataset_name(s.table), field=s.column, transformations=[
                column_lineage_dataset.Transformation(type="DIRECT", subtype=s.subtype, masking=False)])
            for s in inputs])
    # the columns it filters, joins, groups or sorts on shape every output column: INDIRECT, for the dataset
    shaping = [column_lineage_dataset.InputField(*dataset_name(t), field=c, transformations=[
        column_lineage_dataset.Transformation(type="INDIRECT", subtype=subtype)])
        for t, c, subtype in indirect(ctx.cfg, table)]
    return column_lineage_dataset.ColumnLineageDatasetFacet(fields=fields, dataset=shaping)


def event(ctx: Any, run: Any, state: str) -> RunEvent:
    """The OpenLineage event for a ``TaskRun`` (see ``lake.runtime.runlog``) in ``state``."""
    facets: dict[str, Any] = {}
    if run.parent_run_id and run.parent_run_id.startswith("run-"):  # a promotion run (ingests are not runs)
        facets["parent"] = parent_run.ParentRunFacet(run=parent_run.Run(runId=ol_run_id(run.parent_run_id)),
                                                     job=parent_run.Job(namespace=NAMESPACE, name="promotion"))
    if state == "FAIL" and run.error:
        facets["errorMessage"] = error_message_run.ErrorMessageRunFacet(message=run.error,
                                                                       programmingLanguage="PYTHON")
    done = state != "START"
    inputs = []
    for ref in run.inputs:
        ns, name = dataset_name(ref)
        extra: dict[str, Any] = {}
        if done and run.rows_in is not None:
            extra["dataQualityMetrics"] = data_quality_metrics_input_dataset.DataQualityMetricsInputDatasetFacet(
                columnMetrics={}, rowCount=run.rows_in)
        inputs.append(InputDataset(namespace=ns, name=name, inputFacets=extra))
    outputs = []
    for ref in run.outputs:
        ns, name = dataset_name(ref)
        schema = None if ref.startswith("s3://") else _schema(ctx, ref)
        out_facets: dict[str, Any] = {}
        if done and run.rows_out is not None:
            out_facets["outputStatistics"] = output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet(
                rowCount=run.rows_out)
        ds_facets: dict[str, Any] = {"schema": schema} if schema else {}
        if run.task == "projection" and (lineage := column_lineage(ctx, ref)) is not None:
            ds_facets["columnLineage"] = lineage
        outputs.append(OutputDataset(namespace=ns, name=name, facets=ds_facets, outputFacets=out_facets))
    job_type = job_type_job.JobTypeJobFacet(processingType="BATCH", integration="INSIGHT_LAKE",
                                            jobType=run.task.upper())
    job_facets: dict[str, Any] = {"jobType": job_type}
    projection = _projection(ctx, run.table_name) if run.task == "projection" else None
    if projection is not None and not projection.is_python:
        job_facets["sql"] = sql_job.SQLJobFacet(query=projection.sql, dialect="trino")
    name = run.task if not run.table_name else f"{run.task}.{run.table_name}"
    return RunEvent(eventType=getattr(RunState, state), eventTime=run.ended_at if done else run.started_at,
                    run=Run(runId=ol_run_id(run.run_id), facets=facets),
                    job=Job(namespace=NAMESPACE, name=name, facets=job_facets), inputs=inputs, outputs=outputs,
                    producer=PRODUCER)


def emit(ctx: Any, run: Any, state: str) -> None:
    _client(ctx).emit(event(ctx, run, state))
