"""Loaded at the start of every Glue job run the twin starts. Records the run's AWS calls, and
leaves importable only what Glue 5 provides plus what the job's arguments add
(``$TWIN_ALLOWED_MODULES``, top-level names; the standard library and ``--extra-py-files``
folders are always importable). A module outside that is a ModuleNotFoundError, as on Glue."""

import os
import sys


def _install():
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, os.path.join(here, ".."))
    import aws_calls

    sys.path.pop(0)
    aws_calls.install()
    allowed = set(filter(None, os.environ.get("TWIN_ALLOWED_MODULES", "").split(",")))
    extra = [p for p in os.environ.get("TWIN_EXTRA_PY_FILES", "").split(os.pathsep) if p]
    for folder in [here, *extra]:
        allowed |= {n.split(".")[0] for n in os.listdir(folder)}
    allowed |= set(sys.stdlib_module_names) | set(sys.builtin_module_names) | {"sitecustomize", "_distutils_hack"}

    class GlueEnvironment:
        @staticmethod
        def find_spec(fullname, path=None, target=None):
            if "." not in fullname and fullname not in allowed and not fullname.startswith("_"):
                raise ModuleNotFoundError(f"No module named '{fullname}' (not provided by Glue 5 and not added "
                                          "by the job's --additional-python-modules)", name=fullname)
            return None

    sys.meta_path.insert(0, GlueEnvironment)


_install()
