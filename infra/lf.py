"""Lake Formation vocabulary: the LF-tags and tag-based grants every stack speaks.

Tags (defined once, in the storage stack; values come from the config):
  zone        = <zone>                       on each of the zone's databases
  layer       = staging | ods | analytics    on each database
  sensitivity = pii | general                databases default to ``pii`` (fail closed); the
                                             catalog governor marks a column ``general`` only
                                             when its contract says it is not PII
  shared_with_<zone> = true                  a table published to <zone> (key created by that
                                             zone's stack, applied by the governor)
Landing has no database and no tag: no grant can ever reach it.
Tag keys are one set per account and region: a namespaced stage's keys carry its catalog prefix
(``dev_zone``; lake/namespace.py), applied here, so callers write the plain keys.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import Stack
from aws_cdk import aws_lakeformation as lf
from constructs import Construct

from infra.principals import lf_principal
from infra.settings import catalog_prefix_of
from lake.namespace import tag_key

ZONE, LAYER, SENSITIVITY = "zone", "layer", "sensitivity"
READABLE_LAYERS = ("staging", "ods", "analytics")
PII, GENERAL = "pii", "general"
SHARED_VALUE = "true"
MAX_TAG_VALUES = 50  # AWS::LakeFormation::Tag accepts at most 50 values

READ = ("SELECT", "DESCRIBE")
WRITE = ("SELECT", "INSERT", "DELETE", "ALTER", "DESCRIBE")  # DELETE: row-level (Iceberg), not S3 objects


def shared_with(zone: str) -> str:
    return f"shared_with_{zone}"


def key_of(scope: Construct, key: str) -> str:
    """An LF-tag key as the stage's catalog holds it."""
    return tag_key(key, catalog_prefix_of(scope))


def tag_policy_grant(scope: Construct, id: str, *, principal: str, resource_type: str,
                     expression: Mapping[str, Sequence[str]], permissions: Sequence[str],
                     grantable: Sequence[str] = ()) -> lf.CfnPrincipalPermissions:
    """Grant ``permissions`` on every DATABASE or TABLE whose tags match ``expression``."""
    account = Stack.of(scope).account
    P = lf.CfnPrincipalPermissions
    return P(
        scope, id,
        catalog=account,
        principal=P.DataLakePrincipalProperty(data_lake_principal_identifier=lf_principal(principal)),
        resource=P.ResourceProperty(lf_tag_policy=P.LFTagPolicyResourceProperty(
            catalog_id=account, resource_type=resource_type,
            expression=[P.LFTagProperty(tag_key=key_of(scope, k), tag_values=list(v)) for k, v in expression.items()])),
        permissions=list(permissions),
        permissions_with_grant_option=list(grantable),
    )


def location_grant(scope: Construct, id: str, *, principal: str, location_arn: str) -> lf.CfnPrincipalPermissions:
    """DATA_LOCATION_ACCESS on a path under a registered bucket (to create tables there)."""
    account = Stack.of(scope).account
    P = lf.CfnPrincipalPermissions
    return P(
        scope, id, catalog=account,
        principal=P.DataLakePrincipalProperty(data_lake_principal_identifier=lf_principal(principal)),
        resource=P.ResourceProperty(data_location=P.DataLocationResourceProperty(
            catalog_id=account, resource_arn=location_arn)),
        permissions=["DATA_LOCATION_ACCESS"], permissions_with_grant_option=[],
    )


def tag_grant(scope: Construct, id: str, *, principal: str, key: str, values: Sequence[str],
              permissions: Sequence[str]) -> lf.CfnPrincipalPermissions:
    """Permissions on an LF-tag itself (ASSOCIATE lets the governor apply it)."""
    account = Stack.of(scope).account
    P = lf.CfnPrincipalPermissions
    return P(
        scope, id, catalog=account,
        principal=P.DataLakePrincipalProperty(data_lake_principal_identifier=lf_principal(principal)),
        resource=P.ResourceProperty(lf_tag=P.LFTagKeyResourceProperty(
            catalog_id=account, tag_key=key_of(scope, key), tag_values=list(values))),
        permissions=list(permissions), permissions_with_grant_option=[],
    )
