"""Dataset contracts: ODCS v3.1 documents, read into the platform's view of a dataset.

Two passes: the official ODCS JSON Schema (shipped in the maintained
``open-data-contract-standard`` package) checks the document's shape, then the models
here check what the platform reads from it — types, keys, PII treatment and the
platform options kept in ``customProperties``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import jsonschema
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from lake.config.contract_checks import Shape, check_keys, freshness_hours, odcs_message
from lake.config.problems import Problems
from lake.config.subjects import KINDS, unknown_kind_message
from lake.config.types import ColumnType, TypeError_, parse_type

ODCS_API_VERSION = "v3.1.0"


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class CsvOptions(_Options):
    delimiter: str = Field(",", min_length=1, max_length=1)
    quote: str = Field('"', min_length=1, max_length=1)
    escape: str | None = Field(None, min_length=1, max_length=1)
    header: bool = True
    # Values that mean "no value" (R writes NA, database exports NULL or \N); the empty value always does.
    null_values: tuple[str, ...] = Field(("",), alias="nullValues")


class CdcOptions(_Options):
    envelope: Literal["debezium"] = "debezium"
    order_by: str = Field("lsn", alias="orderBy")


class PlatformOptions(_Options):
    """The contract's top-level ``customProperties``, as the platform reads them."""

    format: Literal["csv", "jsonl", "parquet"] = "csv"
    csv: CsvOptions = CsvOptions()
    encoding: str = "utf-8"
    timezone: str = "UTC"
    latest_wins: str | None = Field(None, alias="latestWins")
    max_bad_row_ratio: float = Field(0.05, alias="maxBadRowRatio", ge=0, le=1)
    on_bad_rows: Literal["quarantine_rows", "reject_file"] = Field("quarantine_rows", alias="onBadRows")
    extra_columns: Literal["drop", "reject"] = Field("drop", alias="extraColumns")
    # A column absent from a file: "keep" leaves its ODS values as they are on update; "set_null" sets them null.
    absent_columns: Literal["keep", "set_null"] = Field("keep", alias="absentColumns")
    # A key twice in one file: "latest" (the later row, or the greater latestWins value, wins) or "quarantine".
    duplicate_keys: Literal["latest", "quarantine"] = Field("latest", alias="duplicateKeys")
    promotion: Literal["auto", "manual"] = "auto"
    pii: dict[str, Literal["hash", "mask", "drop"]] = Field(
        default_factory=dict, description="How each PII column is treated before it reaches ODS.")
    cdc: CdcOptions | None = None
    # Gzip bomb guards, checked while the file streams (lake.ingest.guard): content bytes and
    # content/compressed ratio. Ordinary CSV/JSON compresses 5-20x; 200x is a bomb, or a column of zeros.
    max_decompressed_bytes: int = Field(16 << 30, alias="maxDecompressedBytes", gt=0)
    max_decompression_ratio: int = Field(200, alias="maxDecompressionRatio", gt=1)


class ColumnOptions(_Options):
    subject: str | None = None


@dataclass(frozen=True)
class QualityRule:
    name: str
    metric: str
    column: str | None
    arguments: dict[str, Any]
    operator: str
    threshold: Any
    action: Literal["warn", "quarantine", "halt"]


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    required: bool = False
    primary_key: bool = False
    classification: str | None = None
    pii: str | None = None
    subject: str | None = None
    input_format: str | None = None
    description: str = ""

    @property
    def is_pii(self) -> bool:
        return (self.classification or "").lower() == "pii" or self.pii is not None


@dataclass(frozen=True)
class Dataset:
    zone: str
    name: str
    path: Path
    version: str
    description: str
    columns: tuple[Column, ...]
    options: PlatformOptions
    quality: tuple[QualityRule, ...] = ()
    freshness_hours: float | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def primary_key(self) -> list[str]:
        return [c.name for c in self.columns if c.primary_key]

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    def subject_columns(self, kind: str) -> list[Column]:
        """Columns marked as identifying a data subject of this kind (``lake forget``)."""
        return [c for c in self.columns if c.subject == kind]


@cache
def odcs_schema() -> dict[str, Any]:
    text = resources.files("open_data_contract_standard").joinpath("schema.json").read_text()
    return json.loads(text)


def _custom(props: list[dict[str, Any]] | None) -> dict[str, Any]:
    return {p["property"]: p["value"] for p in props or []}


_OPERATORS = ("mustBe", "mustNotBe", "mustBeGreaterThan", "mustBeGreaterOrEqualTo",
              "mustBeLessThan", "mustBeLessOrEqualTo", "mustBeBetween", "mustNotBeBetween")


def _pydantic_problems(problems: Problems, path: Path, where: str, err: ValidationError) -> None:
    for e in err.errors():
        loc = ".".join(str(x) for x in e["loc"])
        problems.add(path, f"{where}.{loc}" if loc else where, e["msg"])


def _rules(raw: list[dict[str, Any]], column: str | None, where: str, path: Path,
           problems: Problems) -> list[QualityRule]:
    rules = []
    for i, q in enumerate(raw or []):
        if q.get("type", "library") != "library":
            continue  # text/sql/custom rules are documentation here, not gates
        action = _custom(q.get("customProperties")).get("action", "warn")
        if action not in ("warn", "quarantine", "halt"):
            problems.add(path, f"{where}.quality[{i}].customProperties.action",
                         f"'{action}' is not one of warn, quarantine, halt")
            continue
        op = next((o for o in _OPERATORS if o in q), "mustBe")
        rules.append(QualityRule(
            name=q.get("name") or f"{column or 'table'}_{q['metric']}_{i}", metric=q["metric"],
            column=column, arguments=q.get("arguments") or {}, operator=op,
            threshold=q.get(op, 0), action=action))
    return rules


def _pii_treatment(prop: dict[str, Any], options: PlatformOptions) -> str | None:
    """A column listed under ``pii`` gets that treatment; one merely classified PII is hashed."""
    if prop["name"] in options.pii:
        return options.pii[prop["name"]]
    return "hash" if (prop.get("classification") or "").lower() == "pii" else None


def _subject_ok(kind: str, ctype: ColumnType, where: str, path: Path, problems: Problems) -> bool:
    """A column's ``subject`` must name a known kind that fits the column's type."""
    if kind not in KINDS:
        problems.add(path, where, unknown_kind_message(kind))
        return False
    if ctype.name not in KINDS[kind].types:
        problems.add(path, where, f"subject kind '{kind}' needs a column of type "
                                  f"{'/'.join(sorted(KINDS[kind].types))}, not '{ctype.sql}'")
        return False
    return True


def parse_contract(doc: Any, path: Path, zone: str, problems: Problems) -> Dataset | None:
    """Check one contract document; report problems; return the dataset when usable."""
    if not isinstance(doc, dict):
        problems.add(path, "-", "a data contract must be a YAML mapping")
        return None
    errors = sorted(jsonschema.Draft201909Validator(odcs_schema()).iter_errors(doc), key=lambda e: list(e.path))
    for e in errors:
        problems.add(path, ".".join(str(p) for p in e.absolute_path) or "-", odcs_message(e))
    # The rest is checked where the document is well formed (``shape``), so every error shows at once.
    shape = Shape(errors)
    name = doc.get("name") or path.stem
    if shape.ok("name") and name != path.stem:
        problems.add(path, "name", f"'{name}' must match the file name '{path.stem}'")
    if shape.ok("domain") and doc.get("domain") != zone:
        problems.add(path, "domain", f"'{doc.get('domain')}' must be the zone '{zone}'")
    if shape.ok("apiVersion") and doc.get("apiVersion") != ODCS_API_VERSION:
        problems.add(path, "apiVersion", f"'{doc.get('apiVersion')}': this platform reads {ODCS_API_VERSION}")
    objects = doc.get("schema") or []
    if not isinstance(objects, list) or not all(isinstance(o, dict) for o in objects):
        return None  # the ODCS errors say what is wrong with it
    if len(objects) != 1:
        problems.add(path, "schema", f"a dataset contract describes exactly one table, found {len(objects)}")
        return None
    obj = objects[0]

    options = PlatformOptions.model_validate({})
    if shape.ok("customProperties"):
        try:
            options = PlatformOptions.model_validate(_custom(doc.get("customProperties")))
        except ValidationError as err:
            _pydantic_problems(problems, path, "customProperties", err)

    columns: list[Column] = []
    rules = _rules(obj.get("quality"), None, "schema[0]", path, problems) if shape.ok("schema", 0, "quality") else []
    props = [p if isinstance(p, dict) else {} for p in (obj.get("properties") or [])] \
        if isinstance(obj.get("properties"), list) else []
    named = [i for i, p in enumerate(props) if shape.ok("schema", 0, "properties", i, "name") and "name" in p]
    seen: set[str] = set()
    for i, prop in enumerate(props):
        where, at = f"schema[0].properties[{i}]", ("schema", 0, "properties", i)
        if i not in named:
            continue  # no usable name: the ODCS error says so
        cname = prop["name"]
        if cname.lower() in seen:
            problems.add(path, f"{where}.name", f"column '{cname}' is declared twice")
        seen.add(cname.lower())
        if not shape.ok(*at, "physicalType"):
            continue
        try:
            ctype = parse_type(prop.get("physicalType") or "")
        except TypeError_ as err:
            problems.add(path, f"{where}.physicalType", str(err))
            continue
        logical = prop.get("logicalType")
        if logical and shape.ok(*at, "logicalType") and logical not in ctype.logical:
            problems.add(path, f"{where}.logicalType",
                         f"'{logical}' does not fit physicalType '{ctype.sql}' "
                         f"(expected {'/'.join(sorted(ctype.logical))})")
        copts = ColumnOptions()
        if shape.ok(*at, "customProperties"):
            try:
                copts = ColumnOptions.model_validate(_custom(prop.get("customProperties")))
            except ValidationError as err:
                _pydantic_problems(problems, path, f"{where}.customProperties", err)
        if copts.subject is not None and not _subject_ok(copts.subject, ctype, f"{where}.customProperties.subject",
                                                          path, problems):
            copts = ColumnOptions()
        columns.append(Column(
            name=cname, type=ctype, required=bool(prop.get("required")) or bool(prop.get("primaryKey")),
            primary_key=bool(prop.get("primaryKey")), classification=prop.get("classification"),
            pii=_pii_treatment(prop, options),
            subject=copts.subject, input_format=(prop.get("logicalTypeOptions") or {}).get("format"),
            description=prop.get("description", "")))
        if shape.ok(*at, "quality"):
            rules += _rules(prop.get("quality") or [], cname, where, path, problems)

    names = {props[i]["name"] for i in named}  # a column whose type is wrong is still a column: no cascade
    all_named = len(named) == len(props)  # else a column named nowhere may be the one referred to
    for col in options.pii:
        if all_named and col not in names:
            problems.add(path, f"customProperties.pii.{col}", f"PII treatment for '{col}', which is not in the schema")
    keys_known = all(shape.ok("schema", 0, "properties", i, "primaryKey") for i in range(len(props)))
    if keys_known and props and not any(p.get("primaryKey") for p in props):
        problems.add(path, "schema[0].properties", "no column is marked primaryKey")
    if all_named and options.latest_wins and options.latest_wins not in names:
        problems.add(path, "customProperties.latestWins",
                     f"ordering column '{options.latest_wins}' is not in the schema")

    check_keys(props, path, problems, lambda i, fld: shape.ok("schema", 0, "properties", i, fld))
    freshness = freshness_hours(doc, path, problems, lambda i: shape.ok("slaProperties", i))
    if errors:
        return None
    return Dataset(zone=zone, name=name, path=path, version=str(doc["version"]),
                   description=(doc.get("description") or {}).get("purpose", ""),
                   columns=tuple(columns), options=options, quality=tuple(rules),
                   freshness_hours=freshness, raw=doc)
