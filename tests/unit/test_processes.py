"""What the demo's terminal shows of a child's output: warnings, errors and whole tracebacks, never request lines."""

from __future__ import annotations

from processes import TerminalFilter

OUTPUT = """\
2026-12-03 14:47:04,418 INFO hub.sidecar: sidecar started with jobs: heartbeat, push_contacts
2026-12-03 14:47:28.316 127.0.0.1:43522 - "GET / HTTP/1.1" 200
2026-12-03 14:47:29,001 WARNING core.xero_access.gate: Xero asked the hub to wait 10 s
Traceback (most recent call last):
  File "core/x.py", line 1, in <module>
    boom()
ValueError: boom
2026-12-03 14:47:30.000 127.0.0.1:43523 - "GET /errors HTTP/1.1" 200
2026-12-03 14:47:31,000 ERROR hub.web: the database went away
"""


def test_the_terminal_shows_what_a_person_should_see_and_nothing_else() -> None:
    terminal = TerminalFilter()
    shown = [line for line in OUTPUT.splitlines(keepends=True) if terminal.shows(line)]
    assert [line.split(" ", 3)[-1].strip() if line[0].isdigit() else line.strip() for line in shown] == [
        "core.xero_access.gate: Xero asked the hub to wait 10 s",
        "Traceback (most recent call last):",
        'File "core/x.py", line 1, in <module>',
        "boom()",
        "ValueError: boom",
        "hub.web: the database went away",
    ]
