"""Insight zone configuration: zone files, ODCS data contracts, SQL projections."""

from lake.config.contract import Column, Dataset, PlatformOptions, QualityRule
from lake.config.loader import LakeConfig, Zone, load_config, projection_graph
from lake.config.problems import ConfigError, Problem
from lake.config.projection import Projection
from lake.config.types import ColumnType, parse_type

__all__ = ["Column", "ColumnType", "ConfigError", "Dataset", "LakeConfig", "PlatformOptions", "Problem",
           "Projection", "QualityRule", "Zone", "load_config", "parse_type", "projection_graph"]
