"""Every option of the MainTCP simulator, with the demo's defaults."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class SimulatorConfig:
    """Credentials, data sizes, limits and injected faults of one simulated MainTCP server."""

    user: str
    password: str
    #: The encryption password; ``None`` serves ``crypto=off``.
    key: str | None = None
    host: str = "127.0.0.1"
    #: 0 picks a free ephemeral port (tests); the CLI passes 2131.
    port: int = 0
    seed: int = 1
    employees: int = 120
    projects: int = 12
    activities: int = 8
    suppliers: int = 20
    purchase_orders: int = 40
    #: Largest request line accepted, in bytes before encryption.
    buffer: int = 65536
    max_sessions: int = 8
    #: Seconds without a request before the server closes a connection.
    idle_timeout: float = 60.0
    #: Seconds a LIST cursor stays valid.
    cursor_ttl: float = 600.0
    #: Seconds before an open batch is discarded.
    open_batch_ttl: float = 24 * 3600.0
    #: JSON file that keeps batches and posted lines across restarts.
    state_file: Path | None = None
    version: str = "7.40"
    company_code: str = "CONST-BEL"
    company_name: str = "Construction Bélanger inc."
    #: Announce and accept reversal lines (``features=reversal``); off plays an older server.
    reversal: bool = True
    # Fault injection.
    #: Milliseconds added before every response.
    latency_ms: int = 0
    #: Close the connection, unanswered, when frame N+1 arrives.
    drop_after: int | None = None
    #: Close every connection, unanswered, at any frame past the Nth the server received in
    #: all (since it started): a MainTCP that goes away mid-work and stays away until cleared.
    frame_budget: int | None = None
    #: Send a garbage line instead of every Nth response.
    garbage_every: int | None = None
    #: Seconds to wait before sending the greeting.
    slow_start: float = 0.0

    def __repr__(self) -> str:
        return (
            f"SimulatorConfig(host={self.host!r}, port={self.port}, user={self.user!r}, "
            f"crypto={'on' if self.key else 'off'}, seed={self.seed})"
        )
