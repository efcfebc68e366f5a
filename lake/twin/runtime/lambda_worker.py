"""A Lambda execution environment: one process per function, kept warm between invocations.

Started by the twin (``lake/twin/functions.py``) with ``python -I`` (no PYTHONPATH, no script
folder on the path), the function's environment, and argv ``<handler> <code dir> [<layer dir>...]``.
The code folder comes first on ``sys.path`` (Lambda's /var/task), then each layer's ``python/``
folder (/opt/python). Requests arrive as JSON lines on stdin; each answer is one JSON line on the
original stdout (the handler's prints go to stderr, as Lambda sends them to the log)."""

import importlib
import json
import os
import resource
import sys
import time
import traceback
import uuid


class Context:
    def __init__(self, request: dict) -> None:
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = int(os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"])
        self.invoked_function_arn = request.get("arn", "")
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "twin"
        self._deadline = time.monotonic() + int(os.environ["AWS_LAMBDA_FUNCTION_TIMEOUT"])

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def main() -> None:
    handler_path, code, *layers = sys.argv[1:]
    sys.path[:0] = [code, *layers]
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.append(here)
    import aws_calls  # noqa: E402 - records this function's AWS calls

    sys.path.remove(here)
    aws_calls.install()
    answer = sys.stdout
    sys.stdout = sys.stderr
    module_name, _, fn_name = handler_path.rpartition(".")
    try:
        handler = getattr(importlib.import_module(module_name), fn_name)
    except Exception as err:  # Runtime.ImportModuleError: every invocation fails with it
        handler, init_error = None, {"errorType": "Runtime.ImportModuleError",
                                     "errorMessage": f"Unable to import module '{module_name}': {err}",
                                     "stackTrace": traceback.format_exc().splitlines()}
    for line in sys.stdin:
        request = json.loads(line)
        if handler is None:
            reply = {"ok": False, **init_error}
        else:
            try:
                result = handler(request["event"], Context(request))
                reply = {"ok": True, "result": result}
            except Exception as err:
                reply = {"ok": False, "errorType": type(err).__name__, "errorMessage": str(err),
                         "stackTrace": traceback.format_exc().splitlines()}
        reply["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        answer.write(json.dumps(reply, default=str) + "\n")
        answer.flush()


if __name__ == "__main__":
    main()
