"""Benchmark of the staging -> ODS promotion (``to_ods``) against Spark's floor and DuckDB."""
