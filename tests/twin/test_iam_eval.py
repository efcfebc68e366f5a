"""The access proof's IAM evaluator on hand-written policies (no twin run): decisions as IAM makes them."""

from __future__ import annotations

from typing import Any

from lake.twin.access.policy import Request, decide, parse

ROLE = "arn:aws:iam::111111111111:role/reader"
BUCKET = "arn:aws:s3:::lake-data"
KEY = "arn:aws:kms:eu-west-1:111111111111:key/abc"


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def req(action: str, resource: str, principal: str = ROLE, **context: Any) -> Request:
    return Request(principal, action, resource,
                   {k.lower(): (v if isinstance(v, list) else [v]) for k, v in context.items()})


def ident(*statements: dict[str, Any]):  # noqa: ANN201
    return parse(doc(*statements), "role reader's policy P")


def test_implicit_deny_names_what_is_missing() -> None:
    d = decide(req("s3:GetObject", f"{BUCKET}/a"), ident(allow("s3:PutObject", f"{BUCKET}/*")), None,
               identity_name="role reader")
    assert not d.allowed
    assert d.missing == f"needs Allow s3:GetObject on {BUCKET}/a in role reader's policy"


def test_actions_are_case_insensitive_arns_are_not() -> None:
    ids = ident(allow("S3:get*", f"{BUCKET}/Data/*"))
    assert decide(req("s3:GetObject", f"{BUCKET}/Data/x"), ids, None).allowed
    assert not decide(req("s3:GetObject", f"{BUCKET}/data/x"), ids, None).allowed
    assert decide(req("s3:GetObject", f"{BUCKET}/Data/deep/er/x"), ids, None).allowed  # * crosses '/'
    assert not decide(req("s3:PutObject", f"{BUCKET}/Data/x"), ids, None).allowed
    one_char = ident(allow("s3:GetObjec?", f"{BUCKET}/Data/?"))
    assert decide(req("s3:GetObject", f"{BUCKET}/Data/x"), one_char, None).allowed


def test_explicit_deny_wins_over_any_allow() -> None:
    ids = ident(allow("s3:*", "*"))
    res = parse(doc({"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*", "Resource": f"{BUCKET}/*",
                     "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
                    {"Effect": "Deny", "Principal": "*", "Action": "s3:DeleteObject", "Resource": f"{BUCKET}/*"}),
                "bucket's policy")
    secure = req("s3:GetObject", f"{BUCKET}/a", **{"aws:SecureTransport": "true"})
    assert decide(secure, ids, res).allowed
    insecure = Request(ROLE, "s3:GetObject", f"{BUCKET}/a", {"aws:securetransport": ["false"]})
    d = decide(insecure, ids, res)
    assert not d.allowed and d.denied_by and "statement #1" in d.denied_by.where
    assert not decide(req("s3:DeleteObject", f"{BUCKET}/a", **{"aws:SecureTransport": "true"}), ids, res).allowed


def test_not_action_and_not_resource() -> None:
    ids = ident({"Effect": "Allow", "NotAction": "s3:Delete*", "Resource": "*"},
                {"Effect": "Deny", "Action": "s3:*", "NotResource": [BUCKET, f"{BUCKET}/*"]})
    assert decide(req("s3:GetObject", f"{BUCKET}/a"), ids, None).allowed
    assert not decide(req("s3:DeleteObject", f"{BUCKET}/a"), ids, None).allowed
    other = decide(req("s3:GetObject", "arn:aws:s3:::other/a"), ids, None)
    assert not other.allowed and other.denied_by is not None


def test_same_account_resource_policy_alone_allows_a_role_it_names() -> None:
    queue = "arn:aws:sqs:eu-west-1:111111111111:q"
    res = parse(doc({"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "sqs:SendMessage", "Resource": queue}),
                "queue q's policy")
    assert decide(req("sqs:SendMessage", queue), [], res).allowed
    # Naming the account (root) only delegates to IAM: without an identity Allow, no.
    root = parse(doc({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
                      "Action": "sqs:SendMessage", "Resource": queue}), "queue q's policy")
    assert not decide(req("sqs:SendMessage", queue), [], root).allowed


def test_kms_key_policy_must_allow_directly_or_delegate_to_iam() -> None:
    ids = ident(allow("kms:Decrypt", KEY, Condition={"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}}))
    delegating = parse(doc({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
                            "Action": "kms:*", "Resource": "*"}), "key K's policy")
    via_s3 = req("kms:Decrypt", KEY, **{"kms:ViaService": "s3.eu-west-1.amazonaws.com"})
    assert decide(via_s3, ids, delegating, kms_key=True).allowed
    direct = req("kms:Decrypt", KEY)  # not through S3: the identity statement's condition fails
    d = decide(direct, ids, delegating, kms_key=True, identity_name="role reader")
    assert not d.allowed and "role reader's policy (the key delegates to IAM)" in d.missing
    # A key policy that neither names the role nor delegates: the identity policy alone is not enough.
    closed = parse(doc({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:role/admin"},
                        "Action": "kms:*", "Resource": "*"}), "key K's policy")
    assert not decide(via_s3, ids, closed, kms_key=True).allowed
    assert decide(via_s3, [], parse(doc({"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "kms:Decrypt",
                                         "Resource": "*"}), "key K's policy"), kms_key=True).allowed


def test_service_principals_need_the_resource_policy() -> None:
    topic = "arn:aws:sns:eu-west-1:111111111111:alerts"
    alarm = "arn:aws:cloudwatch:eu-west-1:111111111111:alarm:dlq"
    publish = req("sns:Publish", topic, "cloudwatch.amazonaws.com", **{"aws:SourceArn": alarm,
                                                                        "aws:SourceAccount": "111111111111"})
    tls_only = parse(doc({"Effect": "Deny", "Principal": "*", "Action": "sns:Publish", "Resource": topic,
                          "Condition": {"Bool": {"aws:SecureTransport": "false"}}}), "topic alerts's policy")
    d = decide(publish, [], tls_only, resource_name="topic alerts")
    assert not d.allowed and d.missing == (f"needs Allow sns:Publish on {topic} for cloudwatch.amazonaws.com "
                                           "in topic alerts's policy")
    allowing = parse(doc({"Effect": "Allow", "Principal": {"Service": "cloudwatch.amazonaws.com"},
                          "Action": "sns:Publish", "Resource": topic,
                          "Condition": {"ArnLike": {"aws:SourceArn": alarm.rsplit(":", 1)[0] + ":*"},
                                        "StringEquals": {"aws:SourceAccount": "111111111111"}}}), "topic's policy")
    assert decide(publish, [], allowing).allowed
    other_account = req("sns:Publish", topic, "cloudwatch.amazonaws.com", **{"aws:SourceArn": alarm,
                                                                              "aws:SourceAccount": "999999999999"})
    assert not decide(other_account, [], allowing).allowed


def test_missing_keys_positive_operators_fail_negated_and_if_exists_hold() -> None:
    prefix_cond = {"StringLike": {"s3:prefix": ["finance/*"]}}
    ids = ident(allow(["s3:ListBucket", "s3:GetBucketLocation"], BUCKET, Condition=prefix_cond))
    assert decide(req("s3:ListBucket", BUCKET, **{"s3:prefix": "finance/x"}), ids, None).allowed
    assert not decide(req("s3:ListBucket", BUCKET, **{"s3:prefix": "ops/x"}), ids, None).allowed
    # GetBucketLocation carries no s3:prefix: the statement can never allow it.
    assert not decide(req("s3:GetBucketLocation", BUCKET), ids, None).allowed
    neg = ident(allow("s3:ListBucket", BUCKET, Condition={"StringNotLike": {"s3:prefix": "secret/*"}}))
    assert decide(req("s3:ListBucket", BUCKET), neg, None).allowed
    assert not decide(req("s3:ListBucket", BUCKET, **{"s3:prefix": "secret/a"}), neg, None).allowed
    if_exists = ident(allow("s3:ListBucket", BUCKET, Condition={"StringLikeIfExists": {"s3:prefix": "a/*"}}))
    assert decide(req("s3:ListBucket", BUCKET), if_exists, None).allowed
    null = ident(allow("s3:ListBucket", BUCKET, Condition={"Null": {"s3:prefix": "true"}}))
    assert decide(req("s3:ListBucket", BUCKET), null, None).allowed
    assert not decide(req("s3:ListBucket", BUCKET, **{"s3:prefix": "a"}), null, None).allowed


def test_numeric_arn_and_multivalued_operators() -> None:
    table = "arn:aws:dynamodb:eu-west-1:111111111111:table/ledger"
    locks = ident(allow("dynamodb:DeleteItem", table,
                        Condition={"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["lock#*"]}}))
    assert decide(req("dynamodb:DeleteItem", table, **{"dynamodb:LeadingKeys": ["lock#zone"]}), locks, None).allowed
    assert not decide(req("dynamodb:DeleteItem", table, **{"dynamodb:LeadingKeys": ["ingest#1"]}), locks, None).allowed
    tls = parse(doc({"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*", "Resource": f"{BUCKET}/*",
                     "Condition": {"NumericLessThan": {"s3:TlsVersion": 1.2}}}), "bucket's policy")
    old = req("s3:GetObject", f"{BUCKET}/a", **{"s3:TlsVersion": "1.1"})
    assert not decide(old, ident(allow("s3:*")), tls).allowed
    assert decide(req("s3:GetObject", f"{BUCKET}/a", **{"s3:TlsVersion": "1.3"}), ident(allow("s3:*")), tls).allowed
    ec = {"ArnLike": {"kms:EncryptionContext:aws:s3:arn": BUCKET}}
    assert decide(req("kms:Decrypt", KEY, **{"kms:EncryptionContext:aws:s3:arn": BUCKET}),
                  ident(allow("kms:Decrypt", KEY, Condition=ec)), None).allowed
    assert not decide(req("kms:Decrypt", KEY, **{"kms:EncryptionContext:aws:s3:arn": f"{BUCKET}/a"}),
                      ident(allow("kms:Decrypt", KEY, Condition=ec)), None).allowed


def test_unknown_operator_or_key_never_allows_and_is_reported() -> None:
    ids = ident(allow("s3:GetObject", "*", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
                allow("s3:GetObject", "*", Condition={"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}))
    d = decide(req("s3:GetObject", f"{BUCKET}/a"), ids, None)
    assert not d.allowed
    assert len(d.unknown) == 2 and "IpAddress" in d.unknown[0] and "aws:RequestedRegion" in d.unknown[1]
    # An unknown condition on a Deny does not silently let the call through: it is reported.
    deny = ident(allow("s3:*"), {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
                                 "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01"}}})
    d = decide(req("s3:GetObject", f"{BUCKET}/a"), deny, None)
    assert d.unknown and "DateGreaterThan" in d.unknown[0]
