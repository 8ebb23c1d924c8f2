"""gunicorn for the load scenario: 2 sync workers on 127.0.0.1 at a free port, stopped by its pid."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    def __init__(
        self, *, db_url: str, data_dir: str, log: Path, env: dict[str, str] | None = None, workers: int = 2
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.settings_bench",
            "DATABASE_URL": db_url,
            "ZUGONG_DATA_DIR": data_dir,
            "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
            **(env or {}),
        }
        self.cmd = [
            sys.executable, "-m", "gunicorn", "bench.wsgi:application",
            "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers), "--worker-class", "sync",
            "--timeout", "60", "--log-level", "warning", "--error-logfile", str(log),
        ]  # fmt: skip
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(self.cmd, cwd=REPO, env=self.env, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}; see {self.log}")
            try:
                with urllib.request.urlopen(self.url + "/bench/floor/", timeout=5) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.__exit__(None, None, None)
        raise RuntimeError(f"gunicorn did not answer within 60 s; see {self.log}")

    def __exit__(self, *exc) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()  # the master stops its workers
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
