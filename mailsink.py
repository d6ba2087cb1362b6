"""A local SMTP sink for the demo and tests: accepts every email and saves it as a .eml file; nothing is relayed.

The demo launcher runs it in a thread and points SMTP_URL at it; run it alone with
`python mailsink.py --port 8025 --folder data/mail`.
"""

from __future__ import annotations

import argparse
import itertools
import os
import signal
import socket
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

DEFAULT_PORT = 8025
_sequence = itertools.count(1)


class _SaveToFolder:
    """aiosmtpd handler: each accepted message becomes one file, written whole before it appears."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        # The envelope says who the server was asked to deliver to (Bcc included), which headers may not.
        head = f"X-Envelope-From: {envelope.mail_from}\r\nX-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n"
        content = envelope.original_content or envelope.content
        data = head.encode() + (content if isinstance(content, bytes) else content.encode())
        name = f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{next(_sequence):05d}.eml"
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.folder / f".{name}.part"
        partial.write_bytes(data)
        partial.replace(self.folder / name)
        return "250 Message accepted for delivery"


class _BoundController(Controller):
    """aiosmtpd's threaded server on a socket bound beforehand (so the port is ours before any thread starts)."""

    def __init__(self, handler: Any, sock: socket.socket) -> None:
        host, port = sock.getsockname()[:2]
        # server_hostname: skip aiosmtpd's getfqdn(), which can stall start-up on a host with slow DNS.
        super().__init__(handler, hostname=host, port=port, server_hostname="localhost")
        self._sock = sock

    def _create_server(self) -> Any:
        return self.loop.create_server(self._factory_invoker, sock=self._sock)


class MailSink:
    """An SMTP server saving mail under folder: the port is taken at once, serving starts with start().

    port=0 takes any free port. Taking the port first lets the launcher spawn its children (which must happen
    before any thread exists) knowing the address no other process can take meanwhile.
    """

    def __init__(self, folder: Path, *, host: str = "127.0.0.1", port: int = DEFAULT_PORT) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
            sock.listen()  # listening makes the port ours alone (two merely bound sockets may share it on Linux)
        except OSError:
            sock.close()
            raise
        self.folder, self.host, self.port = folder, host, int(sock.getsockname()[1])
        self._sock = sock
        self._controller = _BoundController(_SaveToFolder(folder), sock)
        self._running = False

    @property
    def url(self) -> str:
        """What to put in SMTP_URL to send here."""
        return f"smtp://{self.host}:{self.port}"

    def start(self) -> MailSink:
        """Start accepting mail, in a background thread."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self._controller.start()
        self._running = True
        return self

    def stop(self) -> None:
        """Stop accepting mail and free the port (safe to call twice, or without start)."""
        if self._running:
            self._running = False
            self._controller.stop()
        self._sock.close()

    def files(self) -> list[Path]:
        """The saved messages, oldest first."""
        return sorted(self.folder.glob("*.eml"))

    def messages(self) -> list[EmailMessage]:
        """The saved messages, parsed, oldest first."""
        return [message_from_bytes(path.read_bytes(), policy=policy.default) for path in self.files()]  # type: ignore[misc]


def main() -> int:
    parser = argparse.ArgumentParser(description="Accept every email on a local port and save it as a .eml file.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--folder", type=Path, default=Path("data") / "mail")
    args = parser.parse_args()
    try:
        sink = MailSink(args.folder, host=args.host, port=args.port).start()
    except OSError as exc:
        print(f"Cannot listen on {args.host}:{args.port} ({exc.strerror}); choose another --port.")
        return 2
    print(f"Saving mail sent to {sink.url} under {args.folder}. Press Ctrl-C to stop.", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    sink.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
