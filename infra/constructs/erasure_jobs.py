"""The erasure jobs and the one role they share: the only role of the lake that may delete
objects in a data layer.

``erase`` (glue_jobs/erase/job.py) removes a data subject's rows from every layer; it reads the
request (subject, value) from ``--request_key`` in landing and deletes it when done, so the
value never appears in job arguments or execution history. ``vacuum`` (glue_jobs/vacuum/job.py)
then removes what Iceberg still keeps of them: the snapshots from before the erasure and the
data files only they referenced, plus orphan files. Both are Glue 5 PySpark jobs on Iceberg,
packaged like every other job. What the role may reach is granted by the composer
(infra/grants.py ``erasure``): the prefixes that may hold personal data, in every data layer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from infra.constructs.glue_job import DEFAULT_TIMEOUT_MINUTES, LakeGlueJob, python_modules

ERASE_TIMEOUT_MINUTES = 360


class ErasureJobs(Construct):
    def __init__(self, scope: Construct, id: str, *, key: kms.IKey, security_configuration: str, temp_dir: str,
                 arguments: Mapping[str, str], zones: Sequence[str]) -> None:
        super().__init__(scope, id)
        self.role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("glue.amazonaws.com"),
                             description="Erasure (right to be forgotten): the only role that deletes lake data")

        def job(id: str, script: str, description: str, args: Mapping[str, str], timeout: int) -> LakeGlueJob:
            # One run at a time: two erasures committing to the same tables would only retry each other.
            return LakeGlueJob(self, id, script=script, description=description, key=key, role=self.role,
                               security_configuration=security_configuration, python_modules=python_modules(),
                               temp_dir=temp_dir, arguments=args, timeout_minutes=timeout, max_concurrent_runs=1)

        self.erase = job("Erase", "glue_jobs/erase/job.py",
                         "Erase one data subject from every layer (request: --request_id, --request_key)",
                         arguments, ERASE_TIMEOUT_MINUTES)
        self.vacuum = job("Vacuum", "glue_jobs/vacuum/job.py",
                          "Physically remove erased rows: expire older Iceberg snapshots, delete orphan files",
                          {**arguments, "--zones": json.dumps(sorted(zones)),
                           # A file younger than the longest any writer runs may belong to a commit in flight.
                           "--orphan_min_age_minutes": str(max(DEFAULT_TIMEOUT_MINUTES, ERASE_TIMEOUT_MINUTES))},
                          DEFAULT_TIMEOUT_MINUTES)
