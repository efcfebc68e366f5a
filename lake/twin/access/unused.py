"""Each role's Allow statements that no call of the scenario (recorded or made by AWS for the deployment)
needed, as a table, and the reasons they are kept (``infra/unused_permissions.yaml``: one reason per
statement key; an unused statement without a reason is reported, and so is a reason nothing needs)."""

from __future__ import annotations

from pathlib import Path

import yaml

from lake.twin.access.proof import Proof, statement_key

REASONS = Path(__file__).resolve().parents[3] / "infra" / "unused_permissions.yaml"
MANAGED = "'s AWS managed policy "
START, END = "<!-- unused-permissions:start -->", "<!-- unused-permissions:end -->"


def keys(proof: Proof) -> dict[str, str]:
    """Statement key -> the roles holding it (zones' copies collapse into one ``Zone-*`` key). An AWS
    managed policy counts as one statement: unused when no statement of it was needed."""
    out: dict[str, set[str]] = {}
    used_managed = {st.where.split(", statement ")[0] for role in proof.policies.roles.values()
                    for st in role.statements if st.where in proof.used and MANAGED in st.where}
    for role, statements in proof.unused().items():
        for st in statements:
            policy = st.where.split(", statement ")[0]
            if MANAGED in st.where:
                if policy in used_managed:
                    continue
                key = statement_key(role, st).split(": ")[0] + ": " + policy.split(MANAGED)[1]
            else:
                key = statement_key(role, st)
            out.setdefault(key, set()).add(role.removeprefix("role "))
    return {k: ", ".join(sorted(v)) for k, v in sorted(out.items())}


def reasons(path: Path = REASONS) -> dict[str, str]:
    return dict(yaml.safe_load(path.read_text()) or {}) if path.exists() else {}


def unexplained(proof: Proof, path: Path = REASONS) -> list[str]:
    """Unused statements with no reason, and reasons for statements that are used now (stale)."""
    unused, why = keys(proof), reasons(path)
    out = [f"unused and no reason in {path.name}: {k}" for k in unused if not why.get(k)]
    out += [f"reason for a statement that is used or gone (remove it from {path.name}): {k}" for k in why
            if k not in unused]
    return out


def table(proof: Proof, path: Path = REASONS) -> str:
    why = reasons(path)
    rows = ["| role (policy) | actions of the unused statement | why it is kept |", "|---|---|---|"]
    for key in keys(proof):
        owner, _, actions = key.partition(": ")
        rows.append(f"| {owner} | {actions} | {why.get(key, '**no reason**')} |")
    return "\n".join(rows)


def write_readme(proof: Proof, readme: Path) -> None:
    """Replace the table between the README's markers (generated, never typed by hand)."""
    text = readme.read_text()
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    if not rest:
        raise ValueError(f"{readme}: no {START} … {END} markers")
    readme.write_text(f"{head}{START}\n{table(proof)}\n{END}{tail}")
