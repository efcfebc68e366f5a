"""The offline AWS: moto in this process (the twin's own calls and the Step Functions interpreter's
nested calls) and the same backends served over HTTP for the processes the twin starts (Lambda
workers, Glue job runs), in the assembly's account: moto's default account is set to it before
moto is imported, because the interpreter's nested calls use moto's default credentials."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}


@dataclass
class Cloud:
    account: str
    region: str
    endpoint: str
    _mock: Any
    _server: Any

    def child_env(self) -> dict[str, str]:
        """What a process of the deployment gets to reach 'AWS' (and nothing of the twin's own)."""
        return {**CREDENTIALS, "AWS_ENDPOINT_URL": self.endpoint, "AWS_REGION": self.region,
                "AWS_DEFAULT_REGION": self.region}

    def stop(self) -> None:
        self._server.stop()
        self._mock.stop()


def start(account: str, region: str) -> Cloud:
    os.environ.update(CREDENTIALS, AWS_DEFAULT_REGION=region, MOTO_ACCOUNT_ID=account)
    os.environ.pop("AWS_ENDPOINT_URL", None)  # the twin's own calls go to the in-process mock
    os.environ.pop("AWS_PROFILE", None)
    import logging

    from moto import mock_aws  # reads MOTO_ACCOUNT_ID on every request
    from moto.server import ThreadedMotoServer

    mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True},
                            "lambda": {"use_docker": True}, "core": {"reset_boto3_session": True}})
    mock.start()
    # The report names every failure; the server's access log and the interpreter's own error log
    # (a Catch that alerts is a logged "exception" there) would only bury it.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    logging.getLogger("moto.stepfunctions").setLevel(logging.CRITICAL)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return Cloud(account, region, f"http://{host}:{port}", mock, server)
