"""python -m sandbox: run the Xero simulator on a real HTTP server (uvicorn)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import uvicorn

from sandbox.app import create_app

# The simulator is a stand-in for Xero, so it shares nothing with the hub but the data folder's place.
DEFAULT_DATA = Path(__file__).resolve().parent.parent / "data" / "sandbox"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox",
        description="A local Xero simulator for the integration hub's demo and tests: Xero's identity service "
        "(consent page, /connect/token, /connect/revocation, /connections) and Accounting API (/api.xro/2.0/) on "
        "one base URL, plus a control API under /_sandbox/. Registered apps come from SANDBOX_* environment "
        "variables (see sandbox/README.md).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port to listen on (default 8765)")
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        help="folder for the simulator's own storage (default data/sandbox)",
    )
    parser.add_argument(
        "--empty",
        action="store_true",
        help="start a new data folder with no organisations (default: the demo organisations)",
    )
    args = parser.parse_args(argv)
    try:
        app = create_app(args.data, demo=not args.empty)
    except OSError as exc:
        print(
            f"The simulator cannot use {args.data}: {exc.strerror}. Pass --data with a writable folder.",
            file=sys.stderr,
        )
        return 2
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
