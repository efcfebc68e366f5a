"""The lake's code, as shipped to Lambda and Glue: one plain folder asset (no Docker).

The asset is the repository filtered to the packages the runtime imports (``lake``,
``lambdas``, ``glue_jobs``, the catalog governor's runtime) and the zone config it reads
(``insight_zones``). Lambda runs it
as its code; Glue gets the same zip as ``--extra-py-files``. Third-party packages come from
layers: Powertools and the AWS SDK for pandas (AWS-managed) and the lake's dependency layer.
"""

from __future__ import annotations

from aws_cdk import Annotations, IgnoreMode, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3_assets as assets
from constructs import Construct

from infra import lambda_deps
from infra.settings import ROOT, Settings

SHIPPED = ("lake", "lambdas", "glue_jobs", "insight_zones")
# gitignore syntax: everything but the shipped folders, and of infra/ only the governor's runtime.
EXCLUDE = ["/*", *(f"!/{d}/" for d in SHIPPED), "!/infra/", "/infra/*", "!/infra/__init__.py", "!/infra/governance/",
           "/infra/governance/construct.py", "__pycache__/", "*.pyc", ".*"]
RUNTIME = lambda_.Runtime.PYTHON_3_14
ARCHITECTURE = lambda_.Architecture.ARM_64


def code_asset(scope: Construct, id: str = "LakeCode") -> assets.Asset:
    """The code zip, once per stack (identical content uploads once)."""
    stack = Stack.of(scope)
    existing = stack.node.try_find_child(id)
    if isinstance(existing, assets.Asset):
        return existing
    return assets.Asset(stack, id, path=str(ROOT), exclude=EXCLUDE, ignore_mode=IgnoreMode.GIT)


def script_asset(scope: Construct, relative: str) -> assets.Asset:
    """A Glue job's entry script (``glue_jobs/<job>/job.py``), once per stack."""
    stack = Stack.of(scope)
    id = "Script" + "".join(p.title() for p in relative.replace(".py", "").replace("/", "_").split("_"))
    existing = stack.node.try_find_child(id)
    if isinstance(existing, assets.Asset):
        return existing
    return assets.Asset(stack, id, path=str(ROOT / relative))


class LakeCode(Construct):
    def __init__(self, scope: Construct, id: str, *, settings: Settings, powertools_version: str) -> None:
        super().__init__(scope, id)
        # Same content as code_asset(): one upload serves Lambda and Glue.
        self.code = lambda_.Code.from_asset(str(ROOT), exclude=EXCLUDE, ignore_mode=IgnoreMode.GIT)
        py = RUNTIME.name  # e.g. python3.14
        # AWS publishes each Powertools layer version as a public SSM parameter: resolved by
        # CloudFormation at deploy time, pinned to the version in requirements.txt.
        powertools = (f"{{{{resolve:ssm:/aws/service/powertools/python/arm64/{py}/{powertools_version}}}}}")
        self.layers: list[lambda_.ILayerVersion] = [
            lambda_.LayerVersion.from_layer_version_arn(self, "Powertools", powertools)]
        if settings.env.sdk_for_pandas_layer:
            self.layers.append(lambda_.LayerVersion.from_layer_version_arn(
                self, "SdkForPandas", settings.env.sdk_for_pandas_layer))
        else:
            Annotations.of(self).add_error("lake:environments.<stage>.sdkForPandasLayerArn is required (pyarrow)")
        deps = lambda_deps.built()
        if deps is None:
            message = "Lambda dependency layer not built (python -m infra.lambda_deps); using a placeholder"
            if settings.require_lambda_deps:
                Annotations.of(self).add_error(message)
            else:
                Annotations.of(self).add_warning_v2("insight-lake:lambda-deps-placeholder", message)
        self.deps_layer = lambda_.LayerVersion(
            self, "Dependencies",
            code=lambda_.Code.from_asset(str(deps or lambda_deps.PLACEHOLDER)),
            compatible_runtimes=[RUNTIME], compatible_architectures=[ARCHITECTURE],
            description="Insight Lake: PyYAML, jsonschema, sqlglot, ODCS schema, pydantic",
        )
        self.layers.append(self.deps_layer)  # last, so its pydantic wins over the Powertools copy
