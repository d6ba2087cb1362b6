"""The demo launcher: prepares the database, then runs the simulator, the sidecar and the web app together."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import sys
import threading
import time
import traceback
from base64 import urlsafe_b64encode
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from core import migrate
from core import settings as hub_settings
from core.config import xero as xero_config
from core.demo import seed as demo
from core.demo import story
from core.demo.simulator import Simulator
from core.failures import STARTUP_ERRORS
from core.hub import open_hub
from processes import Child

if TYPE_CHECKING:
    from mailsink import MailSink

PYTHON = sys.executable
STOP_GRACE_SECONDS = 10
MAIL_HOST = "127.0.0.1"  # the sink only ever takes mail from this machine
DEFAULT_MAIL_PORT = 8025
READY_TIMEOUT_SECONDS = 90


def generate_key() -> str:
    """A fresh key for HUB_SECRET_KEY or HUB_ENCRYPTION_KEY (32 random bytes, url-safe base64)."""
    return urlsafe_b64encode(secrets.token_bytes(32)).decode()


def demo_keys(data_dir: Path) -> dict[str, str]:
    """The demo's secret and encryption keys: from the environment, else from data/demo.env (made once)."""
    path = data_dir / "demo.env"
    stored: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            name, sep, value = line.partition("=")
            if sep and not name.startswith("#"):
                stored[name.strip()] = value.strip()
    wanted = {
        "HUB_SECRET_KEY": os.environ.get("HUB_SECRET_KEY"),
        "HUB_ENCRYPTION_KEY": os.environ.get("HUB_ENCRYPTION_KEY"),
    }
    missing = [name for name, value in wanted.items() if not value and not stored.get(name)]
    if missing:
        for name in missing:
            stored[name] = generate_key()
        data_dir.mkdir(parents=True, exist_ok=True)
        text = "# Keys the demo launcher made for this data folder. Keep them with the data.\n" + "".join(
            f"{k}={v}\n" for k, v in stored.items()
        )
        path.unlink(missing_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # never readable by others
        with os.fdopen(descriptor, "w") as handle:
            handle.write(text)
    return {name: value or stored[name] for name, value in wanted.items()}


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _wait_ready(url: str, children: list[Child], stop: threading.Event) -> str | None:
    """Wait until url answers 200; return a problem if a child exits or time runs out."""
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline and not stop.is_set():
        for child in children:
            if child.exited() is not None:
                return f"the {child.name} exited during start-up (code {child.exited()}); see its lines above"
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return None
        time.sleep(0.25)
    return "stopped" if stop.is_set() else f"{url} did not answer within {READY_TIMEOUT_SECONDS} s"


def prepare(data_dir: Path) -> int:
    """Migrate the database and seed the demo on first run; print what is wrong otherwise."""
    try:
        hub = open_hub(hub_settings.load())
        hub.db.check()
        migrate.upgrade(hub.db)
        hub.ensure_ready()
        with hub.db.write() as session:
            seeded = demo.seed(session)
        hub.db.dispose()
    except STARTUP_ERRORS as exc:
        print(f"Cannot start the demo: {exc}", file=sys.stderr)
        return 2
    print("Created the demo companies and staff accounts." if seeded else f"Reusing the data in {data_dir}.")
    return 0


def tell_story(data_dir: Path, sandbox_url: str) -> None:
    """Set up the demo's story against the running simulator (first run), or re-arm what it forgot (later runs).
    The demo runs without the story if it cannot be set up: the reason is printed, the details go to the log."""
    started = time.monotonic()
    try:
        hub = open_hub(hub_settings.load())
        hub.ensure_ready()
        told = story.run(hub, Simulator(sandbox_url, os.environ["SANDBOX_CONTROL_TOKEN"]))
        hub.db.checkpoint()
        hub.db.dispose()
    except Exception as exc:  # noqa: BLE001 - the demo still starts; the traceback is kept for whoever looks
        log = data_dir / "logs" / "story.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a", encoding="utf-8") as handle:
            traceback.print_exc(file=handle)
        print(
            f"The demo's story was not set up ({type(exc).__name__}: {exc}); the demo runs without it. Details are "
            f"in {log}; `manage.py reset-demo --yes` starts over.",
            file=sys.stderr,
        )
        return
    if told:
        print(
            f"Set up the demo story in {time.monotonic() - started:.1f} s: "
            f"{', '.join(c.org.name for c in story.COMPANIES)} connected, with six days of syncs and some trouble.",
            flush=True,
        )


def _mail_sink(folder: Path, wanted: int | None) -> MailSink | None:
    """The demo's SMTP sink with its port taken (serving starts later): the port asked for, else 8025 or any."""
    import mailsink  # only when the demo needs it, so other commands stay quick to start

    for port in [wanted] if wanted is not None else [DEFAULT_MAIL_PORT, 0]:
        with contextlib.suppress(OSError):
            return mailsink.MailSink(folder, host=MAIL_HOST, port=port)
    return None


def run_demo(*, host: str, port: int, sandbox_port: int, smtp_port: int | None = None) -> int:
    """Start everything, print where to go, and stop everything on Ctrl-C or SIGTERM."""
    started = time.monotonic()
    data_dir = hub_settings.load_data_dir()
    for wanted, what, flag in ((port, "web app", "--port"), (sandbox_port, "Xero simulator", "--sandbox-port")):
        if not port_free(host, wanted):
            print(
                f"Port {wanted} on {host} is already in use, so the {what} cannot start. Stop whatever uses it "
                f"(another hub demo?) or choose another port with {flag}.",
                file=sys.stderr,
            )
            return 2
    try:
        keys = demo_keys(data_dir)
    except OSError as exc:
        print(
            f"Cannot write the demo's keys under {data_dir}: {exc.strerror}. Set HUB_DATA_DIR to a writable folder.",
            file=sys.stderr,
        )
        return 2
    # Alert emails go to SMTP_URL if it is set; otherwise to a local sink that saves them under data/mail.
    external_mail = bool(os.environ.get("SMTP_URL", "").strip())
    sink = None if external_mail else _mail_sink(data_dir / "mail", smtp_port)
    if not external_mail and sink is None:
        print(
            f"Port {smtp_port or DEFAULT_MAIL_PORT} on {MAIL_HOST} is already in use, so the demo's mail sink "
            "cannot start. Stop whatever uses it or choose another port with --smtp-port (or set SMTP_URL to a "
            "real mail server).",
            file=sys.stderr,
        )
        return 2
    base_url = f"http://{host}:{port}"
    sandbox_url = f"http://{host}:{sandbox_port}"
    os.environ.update(keys)
    os.environ.update(
        {
            "HUB_DEMO": "1",
            "HUB_DATA_DIR": str(data_dir),
            "HUB_BASE_URL": base_url,
            "XERO_TARGET": "simulator",
            "XERO_IDENTITY_URL": sandbox_url,
            "XERO_API_URL": sandbox_url,
            # The simulator's registered app points back at this hub, whatever ports were chosen.
            "SANDBOX_REDIRECT_URIS": f"{base_url}/xero/callback",
            "SANDBOX_WEBHOOK_URL": f"{base_url}/webhooks/xero",
            # …and signs its webhooks with the key the hub checks them with.
            "SANDBOX_WEBHOOK_KEY": os.environ.get("XERO_WEBHOOK_KEY", "").strip() or xero_config.DEMO_WEBHOOK_KEY,
            "SANDBOX_PUBLIC_URL": sandbox_url,
            # The simulator's control API answers only this run's token (manage.py clock reads it from the data).
            "SANDBOX_CONTROL_TOKEN": os.environ.get("SANDBOX_CONTROL_TOKEN", "").strip() or secrets.token_urlsafe(32),
        }
    )
    if sink is not None:
        os.environ["SMTP_URL"] = sink.url
    if (code := prepare(data_dir)) != 0:
        if sink is not None:
            sink.stop()
        return code

    simulator = Child(
        "simulator",
        [PYTHON, "-m", "sandbox", "--host", host, "--port", str(sandbox_port), "--data", str(data_dir / "sandbox")],
    )
    sidecar = Child("sidecar", [PYTHON, "-m", "scheduler"])
    web = Child(
        "web",
        [
            PYTHON,
            "-m",
            "uvicorn",
            "server:app",
            "--host",
            host,
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",  # the web app logs each request itself (in data/logs/web.log)
        ],
    )
    children = [simulator, sidecar, web]
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    for child in (simulator, web):
        child.start(env, hub_settings.PROJECT_ROOT, data_dir / "logs")
    # The story is set up against the simulator while the web app starts; the sidecar starts after it, so the
    # story's past days are written by the seed alone.
    problem = _wait_ready(f"{sandbox_url}/healthz", children, stop)
    if problem is None:
        tell_story(data_dir, sandbox_url)
        sidecar.start(env, hub_settings.PROJECT_ROOT, data_dir / "logs")
    # Threads only now: preexec_fn is not safe to run while other threads exist.
    if sink is not None:
        try:
            sink.start()
        except (OSError, RuntimeError) as exc:  # TimeoutError included: a very busy machine
            print(f"The demo's mail sink did not start ({exc}); alert emails wait in the outbox.", file=sys.stderr)
    for child in children:
        if child.process is not None:
            child.relay_output()

    problem = problem or _wait_ready(f"{base_url}/healthz", children, stop)
    exit_code = 0
    if problem is None:
        mail = f"{sink.url} (saved in {sink.folder})" if sink else hub_settings.redact_url(os.environ["SMTP_URL"])
        print(_banner(base_url, sandbox_url, mail, time.monotonic() - started), flush=True)
        while not stop.wait(0.5):
            dead = next((c for c in children if c.exited() is not None), None)
            if dead is not None:
                print(
                    f"The {dead.name} stopped unexpectedly (code {dead.exited()}); stopping the demo.", file=sys.stderr
                )
                exit_code = 1
                break
    elif problem != "stopped":
        print(f"The demo did not start: {problem}.", file=sys.stderr)
        exit_code = 1

    print("Stopping the web app, the sidecar and the simulator…", flush=True)
    for child in children:
        child.terminate()
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for child in children:
        child.wait_or_kill(deadline)
    if sink is not None:
        sink.stop()
    print("Stopped.", flush=True)
    return exit_code


def _banner(base_url: str, sandbox_url: str, mail: str, seconds: float) -> str:
    people = demo.ACCOUNTS + story.ACCOUNTS
    width = max(len(a.email) for a in people)
    accounts = "\n".join(f"    {a.email:<{width}}  {a.description}" for a in people)
    return (
        f"\nXero integration hub is running (ready in {seconds:.1f} s)\n\n"
        f"  Open            {base_url}\n"
        f"  Xero simulator  {sandbox_url}\n"
        f"  Alert emails    {mail}\n\n"
        f"  Demo sign-ins (password: {demo.DEMO_PASSWORD}):\n{accounts}\n\n"
        "  Press Ctrl-C to stop everything.\n"
    )
