"""A throwaway PostgreSQL server for the CDC tests: Debian's binaries, a cluster in a temp folder.

PostgreSQL refuses to run as root, so when the tests run as root (containers, CI) every server
command runs as the ``postgres`` user that Debian's package creates, and the cluster lives in a
folder that user owns (under /tmp: pytest's own temp folders are private to root).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

MISSING = ("PostgreSQL with wal2json is not installed ({what}); run `make postgres` "
           "(Debian: apt-get install postgresql postgresql-15-wal2json)")


def bin_dir() -> Path:
    """The newest Debian PostgreSQL server whose lib folder has wal2json; an error naming `make postgres`."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if not found:
        raise RuntimeError(MISSING.format(what="no /usr/lib/postgresql/<version>/bin/initdb"))
    with_plugin = [Path(p).parent for p in found if (Path(p).parents[1] / "lib" / "wal2json.so").exists()]
    if not with_plugin:
        raise RuntimeError(MISSING.format(what=f"wal2json.so missing beside {found[-1]}"))
    return with_plugin[-1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    bin: Path
    root: Path  # owned by the server's user; data/ and the log inside
    port: int
    as_user: list[str]  # prefix that runs a command as the server's user (empty when not root)

    @property
    def data(self) -> Path:
        return self.root / "data"

    def dsn(self, dbname: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={dbname}"

    def _run(self, *cmd: str) -> None:
        done = subprocess.run([*self.as_user, *cmd], capture_output=True, text=True, timeout=120)
        if done.returncode:
            log = self.root / "server.log"
            raise RuntimeError(f"{' '.join(cmd)} failed: {done.stderr or done.stdout}"
                               + (f"\n{log.read_text()[-2000:]}" if log.exists() else ""))

    def start(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--no-sync", "--locale=C.UTF-8")
        conf = {
            "listen_addresses": "'127.0.0.1'", "port": str(self.port),
            "unix_socket_directories": f"'{self.root}'",  # not /var/run/postgresql: may not exist
            "wal_level": "logical", "max_replication_slots": "20", "max_wal_senders": "20",
            # A zone far from UTC: proves timestamps reach the lake as the same instant.
            "timezone": "'America/Los_Angeles'",
            "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",  # a test server
        }
        with (self.data / "postgresql.conf").open("a") as f:
            f.writelines(f"{k} = {v}\n" for k, v in conf.items())
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "server.log"),
                  "-w", "-t", "60", "start")

    def stop(self) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def start_server() -> Server:
    binaries = bin_dir()
    root = Path(tempfile.mkdtemp(prefix="lake-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")  # created by Debian's postgresql-common
        os.chown(root, user.pw_uid, user.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    server = Server(binaries, root, free_port(), as_user)
    try:
        server.start()
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    return server
