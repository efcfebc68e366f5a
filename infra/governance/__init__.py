"""Catalog governance: keeps Lake Formation tags on tables and columns in line with the zone
config. ``construct.py`` deploys it; ``runtime/`` is the Lambda code (no CDK imports)."""
