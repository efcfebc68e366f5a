"""Insight Lake: a serverless medallion lake organised by insight zones.

The platform core is pure Python; AWS and local backends plug in underneath.
"""

__version__ = "0.1.0"
