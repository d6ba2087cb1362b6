"""What every job run gets: the hub handle and this sidecar instance's identity."""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from core import clock
from core.hub import Hub


@dataclass(frozen=True)
class SidecarContext:
    hub: Hub
    hostname: str = field(default_factory=socket.gethostname)
    pid: int = field(default_factory=os.getpid)
    instance_id: str = field(default_factory=lambda: f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}")
    started_at: datetime = field(default_factory=clock.now)
