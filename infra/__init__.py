"""Insight Lake on AWS: CDK stacks (deployment units) and constructs (the architecture).

``infra.composer.build`` is the one place that reads the zone config and the cdk.json
context and wires the stacks together; ``app.py`` only calls it.
"""
