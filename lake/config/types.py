"""Column types: the contract's physicalType, parsed once, mapped to every engine.

A contract names types the way Athena (Hive DDL) does: ``bigint``, ``decimal(12,2)``...
Each engine gets its own spelling from here, so no other module parses type strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyarrow as pa

# physicalType -> the ODCS logicalTypes it may carry
_SIMPLE = {
    "string": {"string"},
    "tinyint": {"integer"},
    "smallint": {"integer"},
    "int": {"integer"},
    "integer": {"integer"},
    "bigint": {"integer"},
    "float": {"number"},
    "double": {"number"},
    "boolean": {"boolean"},
    "date": {"date"},
    "timestamp": {"timestamp"},
}
_DECIMAL = re.compile(r"^decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)$")
_INT_BITS = {"tinyint": 8, "smallint": 16, "int": 32, "integer": 32, "bigint": 64}


class TypeError_(ValueError):
    """An unknown or inconsistent type in a contract."""


@dataclass(frozen=True)
class ColumnType:
    name: str  # normalised: "bigint", "decimal", ...
    precision: int = 0
    scale: int = 0

    @property
    def sql(self) -> str:
        """Athena / Spark / DuckDB DDL spelling."""
        if self.name == "decimal":
            return f"decimal({self.precision},{self.scale})"
        return "int" if self.name == "integer" else self.name

    @property
    def logical(self) -> set[str]:
        return {"number"} if self.name == "decimal" else _SIMPLE[self.name]

    @property
    def arrow(self) -> pa.DataType:
        return {
            "string": pa.string(),
            "tinyint": pa.int8(),
            "smallint": pa.int16(),
            "int": pa.int32(),
            "integer": pa.int32(),
            "bigint": pa.int64(),
            "float": pa.float32(),
            "double": pa.float64(),
            "boolean": pa.bool_(),
            "date": pa.date32(),
            # Iceberg and Spark store timestamps in microseconds; UTC-adjusted.
            "timestamp": pa.timestamp("us", tz="UTC"),
        }.get(self.name) or pa.decimal128(self.precision, self.scale)

    @property
    def int_bits(self) -> int | None:
        return _INT_BITS.get(self.name)

    def widens_to(self, other: ColumnType) -> bool:
        """True when a column of this type can evolve in place to ``other``."""
        if self == other:
            return True
        if self.int_bits and other.int_bits:
            return other.int_bits >= self.int_bits
        if self.name == "float" and other.name == "double":
            return True
        if self.name == other.name == "decimal":
            return other.scale == self.scale and other.precision >= self.precision
        return False


def parse_type(text: str) -> ColumnType:
    t = text.strip().lower()
    if t in _SIMPLE:
        return ColumnType(t)
    m = _DECIMAL.match(t)
    if m:
        precision, scale = int(m.group(1)), int(m.group(2))
        if not 1 <= precision <= 38 or scale > precision:
            raise TypeError_(f"decimal({precision},{scale}) is out of range (precision 1-38, scale <= precision)")
        return ColumnType("decimal", precision, scale)
    known = ", ".join(sorted(_SIMPLE)) + ", decimal(p,s)"
    raise TypeError_(f"unknown physicalType '{text}' (known: {known})")
