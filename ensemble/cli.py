"""The `ensemble` command: the management commands people need, and `serve` for one machine.

ensemble serve            web server (gunicorn), a task worker and the job sweeper, until Ctrl-C
ensemble worker           a task worker for every queue
ensemble setup            create or migrate the database, collect static files
ensemble <command> ...    any Django management command (createsuperuser, migrate, ...)
"""

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def _manage(*args: str) -> list[str]:
    return [sys.executable, str(ROOT / "manage.py"), *args]


def _worker_command() -> list[str]:
    if os.environ.get("REDIS_URL"):
        return _manage(
            "rqworker", "default", "media", "render",
            "--job-class", "django_tasks_rq.Job", "--with-scheduler",
        )  # fmt: skip
    return _manage("db_worker", "--queue-name", "*", "--no-reload")


def setup() -> int:
    (ROOT / "var").mkdir(exist_ok=True)
    for command in (
        _manage("migrate", "--no-input"),
        _manage("collectstatic", "--no-input", "-v0"),
    ):
        if subprocess.call(command, env=_environment(), cwd=ROOT) != 0:
            return 1
    return 0


def serve(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ensemble serve")
    parser.add_argument("--bind", default=os.environ.get("ENSEMBLE_BIND", "127.0.0.1:8000"))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 2)))
    parser.add_argument("--no-worker", action="store_true", help="web server only")
    options = parser.parse_args(argv)
    web = [
        sys.executable, "-m", "gunicorn", "config.wsgi:application",
        "--bind", options.bind, "--workers", str(options.workers), "--threads", "4",
        "--timeout", "600", "--access-logfile", "-", "--graceful-timeout", "10",
        "--no-control-socket",
    ]  # fmt: skip
    env = _environment()
    processes = [subprocess.Popen(web, env=env, cwd=ROOT)]
    if not options.no_worker:
        processes.append(subprocess.Popen(_worker_command(), env=env, cwd=ROOT))
        # One sweeper requeues media jobs and renders whose worker died (see the `sweep`
        # command, ensemble/media/jobs.py and ensemble/productions/jobs.py).
        sweeper = _manage("sweep", "--every", "60")
        processes.append(subprocess.Popen(sweeper, env=env, cwd=ROOT))
    print(f"Ensemble is running on http://{options.bind}/ — press Ctrl-C to stop.", flush=True)

    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while not stopping and all(p.poll() is None for p in processes):
        time.sleep(0.5)
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for process in processes:
        try:
            process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            process.kill()
    print("Ensemble stopped.", flush=True)
    return 0 if stopping else 1


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return 0
    command, rest = args[0], args[1:]
    if command == "serve":
        return serve(rest)
    if command == "setup":
        return setup()
    if command == "worker":
        return subprocess.call([*_worker_command(), *rest], env=_environment(), cwd=ROOT)
    return subprocess.call(_manage(command, *rest), env=_environment(), cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main())
