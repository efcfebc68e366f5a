"""Where the zone config is when the code runs from a zip (Glue's ``--extra-py-files``).

Lambda unpacks its code, so ``insight_zones/`` sits beside ``lake/``. Glue imports the same
zip without unpacking it, so the config is extracted once to a temporary folder.
"""

from __future__ import annotations

import sys
import tempfile
import zipfile
from pathlib import Path

REPO_CONFIG = Path(__file__).resolve().parents[2] / "insight_zones"


def config_root() -> Path:
    if REPO_CONFIG.is_dir():
        return REPO_CONFIG
    for entry in sys.path:
        if entry.endswith(".zip") and Path(entry).is_file():
            with zipfile.ZipFile(entry) as z:
                members = [m for m in z.namelist() if m.startswith("insight_zones/")]
                if members:
                    out = Path(tempfile.mkdtemp(prefix="lake-config-"))
                    z.extractall(out, members)
                    return out / "insight_zones"
    raise FileNotFoundError("insight_zones/ is neither beside the code nor inside a zip on sys.path")
