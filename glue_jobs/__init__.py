"""Glue PySpark jobs: ``job.py`` does arguments and I/O, ``transforms.py`` is pure DataFrame code."""
