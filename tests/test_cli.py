"""`ensemble setup` and `ensemble serve`: what `make run` does, on a fresh SQLite database."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

ENSEMBLE = Path(sys.executable).parent / "ensemble"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def fresh_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DATABASE_URL=f"sqlite:///{tmp_path / 'ensemble.sqlite3'}",
        MEDIA_ROOT=str(tmp_path / "media"),
        STATIC_ROOT=str(tmp_path / "static"),
        WEB_CONCURRENCY="1",
    )
    return env


@pytest.mark.xdist_group("serve")
def test_setup_then_serve_answers_pages_and_stops_cleanly_on_ctrl_c(fresh_env, tmp_path):
    setup = subprocess.run(
        [str(ENSEMBLE), "setup"], env=fresh_env, capture_output=True, text=True, timeout=300
    )
    assert setup.returncode == 0, setup.stderr
    assert (tmp_path / "ensemble.sqlite3").exists()
    assert (tmp_path / "static" / "ensemble" / "ensemble.css").exists()

    port = _free_port()
    server = subprocess.Popen(
        [str(ENSEMBLE), "serve", "--bind", f"127.0.0.1:{port}"],
        env=fresh_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(server.stdout or []), daemon=True)
    reader.start()
    try:
        home = None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and home is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    home = response.read().decode()
            except OSError:
                time.sleep(0.3)
        assert home is not None, "the server did not answer within 90 s"
        assert "Many artists, one work." in home
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/static/ensemble/ensemble.css", timeout=5
        ) as response:
            css = response.read().decode()
        assert "--accent" in css  # whitenoise serves the collected static files
        while time.monotonic() < deadline and not any("Starting worker" in x for x in lines):
            time.sleep(0.2)  # the task worker starts beside the web server

        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
        reader.join(timeout=10)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    output = "".join(lines)
    assert server.returncode == 0, output
    assert "Ensemble stopped." in output
    assert "Listening at: http://127.0.0.1" in output  # gunicorn, not runserver
    assert "django_tasks_db: Starting worker" in output  # the task worker ran beside it


def test_the_ensemble_command_passes_other_commands_to_django(fresh_env):
    result = subprocess.run(
        [str(ENSEMBLE), "check"], env=fresh_env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
