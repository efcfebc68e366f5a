"""PLACEHOLDER, replaced at merge by the erasure job (glue_jobs/erase/job.py, written on the
``erasure`` branch). It exists only so that ``cdk synth`` can package the script asset the
erasure Glue job points at (infra/constructs/erasure_jobs.py).

Arguments it receives: ``--request_id``, ``--request_key`` (``_erasure/requests/<id>.json`` in
the landing bucket), ``--run_id`` (the Step Functions execution name, = the request id), and the
backend arguments ``glue_jobs.args.job_context`` reads (``--lake_backend``, ``--ledger_table``,
``--ingress_bucket``, ``--landing_bucket``, ``--staging_bucket``, alert topics).
"""



def main() -> None:
    raise SystemExit("placeholder: the erasure job is not merged yet")


if __name__ == "__main__":
    main()
