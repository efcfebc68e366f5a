"""``zone.yaml``: who owns an insight zone, who may read it, and what it publishes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

NAME = r"^[a-z][a-z0-9_]*$"
TABLE = r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$"


class Strict(BaseModel):
    # Unknown keys are errors: a typo in a grant must never be silently ignored.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Person(Strict):
    name: str
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")


class Alerts(Strict):
    webhook: str | None = Field(None, description="Slack-compatible webhook URL for this zone's alerts.")


class Publish(Strict):
    table: str = Field(pattern=TABLE, description="A table of this zone, as <zone>_<layer>.<table>.")
    to: list[str] = Field(min_length=1, description="Zones whose readers may read the table.")


class ZoneSpec(Strict):
    """One insight zone: a business unit's data, pipelines and readers."""

    zone: str = Field(pattern=NAME, description="Zone name; the folder name under insight_zones/.")
    description: str = ""
    owners: list[Person] = Field(min_length=1, description="Accountable for the zone; receive its alerts.")
    stewards: list[Person] = Field(default_factory=list, description="Edit contracts, approve promotions.")
    producers: list[str] = Field(default_factory=list, description="Principals that write the zone's ingress.")
    readers: list[str] = Field(default_factory=list, description="Principals that read the zone's tables.")
    pii_readers: list[str] = Field(
        default_factory=list, description="Readers that may also see PII-classified columns."
    )
    alerts: Alerts = Alerts()
    publish: list[Publish] = Field(default_factory=list, description="Tables granted to other zones.")
    subscribe: list[str] = Field(
        default_factory=list, description="Tables of other zones whose failures this zone wants to hear about."
    )

    @field_validator("producers", "readers", "pii_readers")
    @classmethod
    def _principal_names(cls, names: list[str]) -> list[str]:
        for n in names:
            if not n or any(c.isspace() for c in n):
                raise ValueError(f"principal '{n}' must be a non-empty name without spaces")
        return names

    def published_to(self, table: str) -> set[str]:
        return {z for p in self.publish if p.table == table for z in p.to}
