"""Lake Formation's LF-tags as the service answers for them. moto 5.1's ``GetResourceLFTags``
raises (HTTP 500) for a table that has column tags but none of its own, and answers a table with
its own tags only; Lake Formation returns the database's, the table's and every column's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def install() -> Callable[[], None]:
    from moto.lakeformation.models import LakeFormationBackend

    original = LakeFormationBackend.get_resource_lf_tags

    def get_resource_lf_tags(self: Any, catalog_id: str, resource: dict[str, Any]) -> tuple[list[Any], ...]:
        if "Database" in resource:
            db = resource["Database"]
            return self.lf_database_tags.get((db.get("CatalogId", self.account_id), db["Name"]), []), [], []
        spec = resource.get("Table") or resource.get("TableWithColumns") or {}
        key = (spec.get("CatalogId", self.account_id), spec.get("DatabaseName"), spec.get("Name"))
        wanted = spec.get("ColumnNames")
        columns = [{"Name": k[3], "LFTags": v} for k, v in self.lf_columns_tags.items()
                   if k[:3] == key and v and (wanted is None or k[3] in wanted)]
        return self.lf_database_tags.get(key[:2], []), self.lf_table_tags.get(key, []), columns

    setattr(LakeFormationBackend, "get_resource_lf_tags", get_resource_lf_tags)  # noqa: B010 - patching moto

    def restore() -> None:
        setattr(LakeFormationBackend, "get_resource_lf_tags", original)  # noqa: B010

    return restore
