"""The production HTTP server of ``connector run --listen``: waitress, with bounds.

Werkzeug's development server (what the sandboxes use) starts a thread per connection with no
limit and no socket timeout: a slow or hostile client could hold the process's threads and memory.
waitress serves from a fixed pool of worker threads, caps open connections, drops idle ones and
refuses bodies above the cap before the app reads them.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

__all__ = ["ServerLimits", "WebhookServer"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ServerLimits:
    """How much of the process the endpoint may take; the defaults suit one to a few hundred shops."""

    threads: int = 4
    """Requests handled at once; the rest wait in waitress's queue (answers are fast: enqueue only)."""
    connection_limit: int = 100
    """Open connections beyond this are not accepted until others close."""
    channel_timeout: int = 30
    """Seconds a connection may sit idle (a half-sent request included) before it is closed."""
    max_request_body_size: int = 4 * 1024 * 1024
    max_request_header_size: int = 64 * 1024


class WebhookServer:
    """Serve ``app`` on ``host:port`` from a background thread until :meth:`stop`."""

    def __init__(
        self, app: Any, *, host: str, port: int, limits: ServerLimits = ServerLimits()
    ) -> None:
        from waitress.server import create_server

        self._server: Any = create_server(
            app,
            host=host,
            port=port,
            threads=limits.threads,
            connection_limit=limits.connection_limit,
            channel_timeout=limits.channel_timeout,
            cleanup_interval=max(1, min(30, limits.channel_timeout)),
            max_request_body_size=limits.max_request_body_size,
            max_request_header_size=limits.max_request_header_size,
            expose_tracebacks=False,
            ident="backorder-connector",
        )
        self.host = host
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The bound port (useful with port 0)."""
        return int(self._server.effective_port)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._serve, name="webhook-server", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        try:
            self._server.run()
        except OSError:
            # close() from stop() ends the loop with a closed socket; nothing to report then.
            log.debug("webhook server loop ended", exc_info=True)

    def stop(self) -> None:
        """Stop accepting, close every connection, and let the thread end."""
        self._server.close()
        if self._thread is not None:
            self._thread.join(timeout=10)
