"""Lake Formation isolation between insight zones: every pair of the sample, and 50 generated zones."""

from __future__ import annotations

import itertools
import json

import pytest
from aws_cdk.assertions import Template

from infra.composer import Lake
from infra.governance.runtime.plan import plan
from lake.config import LakeConfig
from tests.infra.helpers import arn_ref, flatten, lf_grants, lid, role_name, statements
from tests.infra.isolation import grant_violations, pair_violations, violations

SAMPLE = ["customer_success", "executive", "finance"]


def all_grants(templates: dict[str, Template]) -> dict[str, list[dict]]:
    return {sid: lf_grants(t) for sid, t in templates.items()}


def job_roles(lake: Lake) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for name, z in lake.zones.items():
        for job in (z.to_ods, z.projections):
            if job is not None:
                out.setdefault(z.node.id, {})[f"<{lid(job.role)}.Arn>"] = name
    return out


def published_tables_check(cfg: LakeConfig) -> list[str]:
    """The governor tags shared_with_<Z> on exactly the tables published to Z."""
    out = []
    for z in cfg.zones.values():
        for table in z.tables():
            db, name = table.split(".")
            got = set(plan(cfg, db, name, ["c"]).shared_with)  # type: ignore[union-attr]
            want = z.spec.published_to(table)
            if got != want:
                out.append(f"{table}: shared with {sorted(got)}, published to {sorted(want)}")
    return out


@pytest.mark.parametrize(("a", "b"), list(itertools.permutations(SAMPLE, 2)), ids=lambda v: v)
def test_zone_b_reads_nothing_of_zone_a_but_what_a_publishes_to_it(
        lake: Lake, templates: dict[str, Template], a: str, b: str) -> None:
    grants = [g for gs in all_grants(templates).values() for g in gs]
    assert pair_violations(lake.cfg, grants, a, b) == []
    b_readers = set(lake.cfg.zones[b].spec.readers)
    shared_grants = [g for g in grants if role_name(g["principal"]) in b_readers
                     and f"shared_with_{b}" in g.get("expression", {})]
    published_to_b = [p for p in lake.cfg.zones[a].spec.publish if b in p.to]
    if published_to_b:
        assert shared_grants, f"{a} publishes to {b}, but {b}'s readers have no grant on shared_with_{b}"
        for p in published_to_b:
            db, table = p.table.split(".")
            assert b in plan(lake.cfg, db, table, ["x"]).shared_with  # type: ignore[union-attr]


def test_every_grant_of_the_sample_is_scoped_to_its_zone(lake: Lake, templates: dict[str, Template]) -> None:
    assert violations(lake.cfg, all_grants(templates), job_roles(lake)) == []
    assert published_tables_check(lake.cfg) == []


def test_readers_get_general_columns_and_pii_readers_everything(lake: Lake, templates: dict[str, Template]) -> None:
    grants = lf_grants(templates["Zone-finance"])
    tables = {role_name(g["principal"]): g["expression"] for g in grants
              if g["type"] == "TABLE" and g["expression"].get("zone") == {"finance"}
              and role_name(g["principal"]) in ("finance_analyst", "finance_auditor")}
    assert tables["finance_analyst"]["sensitivity"] == {"general"}
    assert tables["finance_auditor"]["sensitivity"] == {"general", "pii"}
    assert tables["finance_analyst"]["layer"] == {"staging", "ods", "analytics"}


def test_the_checker_catches_a_cross_zone_grant() -> None:
    bad = {"type": "TABLE", "expression": {"zone": {"finance"}, "sensitivity": {"general"}},
           "grantable": set(), "principal": "arn:aws:iam::1:role/exec_analyst"}
    assert grant_violations(bad, member_of={"executive"}, pii_of=set(), who="x")
    pii_share = {**bad, "expression": {"shared_with_executive": {"true"}, "sensitivity": {"general", "pii"}}}
    assert grant_violations(pii_share, member_of={"executive"}, pii_of={"executive"}, who="x")


def test_no_zone_principal_or_zone_role_can_reach_landing(lake: Lake, templates: dict[str, Template]) -> None:
    landing = arn_ref(lake.storage.landing)
    for sid, t in templates.items():
        for g in lf_grants(t):
            assert landing not in g.get("location", ""), (sid, g)
        if sid.startswith("Zone-"):
            text = json.dumps([flatten(r) for st in _all_statements(t) for r in _as_list(st["Resource"])])
            assert landing not in text, sid
    # In the pipeline, only the ingestion segments touch landing (the big-file job is the validator's twin),
    # the erasure jobs, and erasure submitters (who may only put requests: tests/infra/test_erasure.py).
    pipeline = templates["Pipeline"]
    p = lake.pipeline
    allowed = {lid(f.role) for f in (p.receiver, p.validator, p.sweep, p.validate_large)} | {
        lid(p.erasure_jobs.role)}
    for plid, res in pipeline.to_json()["Resources"].items():
        if res["Type"] not in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy") or plid == lid(
                p.erasure_submitters.policy):
            continue
        doc = json.dumps([flatten(r) for st in res["Properties"]["PolicyDocument"]["Statement"]
                          for r in _as_list(st["Resource"])])
        if landing in doc:
            assert {r["Ref"] for r in res["Properties"]["Roles"]} <= allowed, plid


def _as_list(v: object) -> list:
    return v if isinstance(v, list) else [v]


def _all_statements(t: Template) -> list[dict]:
    out = []
    for res in t.to_json()["Resources"].values():
        if res["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            out += res["Properties"]["PolicyDocument"]["Statement"]
    return out


def test_producers_may_only_put_under_their_zone_prefix(lake: Lake, templates: dict[str, Template]) -> None:
    ingress = arn_ref(lake.storage.ingress)
    for name, z in lake.zones.items():
        t = templates[f"Zone-{name}"]
        if z.producers is None:
            assert not z.zone.spec.producers
            continue
        policy = t.to_json()["Resources"][lid(z.producers.policy)]["Properties"]
        assert sorted(policy["Roles"]) == sorted(z.zone.spec.producers)
        pairs = {(a, flatten(r)) for st in statements(t, policy_lid=lid(z.producers.policy))
                 for a in _as_list(st["Action"]) for r in _as_list(st["Resource"])}
        s3 = {p for p in pairs if p[0].startswith("s3:")}
        assert s3 == {("s3:PutObject", f"{ingress}/{name}/*"), ("s3:AbortMultipartUpload", f"{ingress}/{name}/*")}
        assert {a for a, _ in pairs} - {a for a, _ in s3} == {"kms:GenerateDataKey", "kms:Decrypt"}


@pytest.mark.slow
def test_fifty_zones_synthesize_isolated_and_under_the_resource_limit(
        fifty: tuple[Lake, dict[str, Template]]) -> None:
    lake, templates = fifty
    assert len(lake.zones) == 50 and all(len(z.zone.datasets) == 10 for z in lake.zones.values())
    counts = {sid: len(t.to_json()["Resources"]) for sid, t in templates.items()}
    assert max(counts.values()) < 500, counts
    assert violations(lake.cfg, all_grants(templates), job_roles(lake)) == []
    assert published_tables_check(lake.cfg) == []
    grants = [g for gs in all_grants(templates).values() for g in gs]
    names = sorted(lake.zones)
    for a, b in itertools.permutations(names, 2):
        assert pair_violations(lake.cfg, grants, a, b) == [], (a, b)
