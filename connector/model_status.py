"""Moving a whole order in or out of the shop's own "waiting" status (issue 18).

Part of the common model, platform-neutral: :class:`OrderStatusMove` says *hold the whole order*
or *let it go on*; each adapter that can do it says what that is on its platform (WooCommerce:
``processing`` -> ``on-hold`` and back). An adapter offers it through
:class:`OrderStatusMover`; one that cannot simply does not implement it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from connector.model_plan import WriteResult

__all__ = ["OrderStatusMove", "OrderStatusMover"]


@dataclass(frozen=True, slots=True)
class OrderStatusMove:
    """Put order ``order_id`` in the shop's waiting status (``hold``) or back out of it.

    ``lines`` are the waiting units per line id, for the words the shop's staff read.
    """

    shop: str
    order_id: str
    hold: bool
    lines: tuple[tuple[str, int], ...] = ()

    @property
    def key(self) -> str:
        return f"{self.shop}:{'status_hold' if self.hold else 'status_release'}:{self.order_id}"


@runtime_checkable
class OrderStatusMover(Protocol):
    """An adapter that can hold whole orders by their status.

    Each move is compare-then-write: it is DONE only from the status the connector expects
    (an order moving in must be in the plain "being processed" status, one moving out must still
    be in the waiting status *we* put it in); SKIPPED when the shop already shows the result
    (a retried write whose answer was lost); CONFLICT when a person moved the order meanwhile,
    and then nothing is written; FAILED (retryable or not) when the write did not happen.
    """

    def move_order_statuses(self, moves: Sequence[OrderStatusMove]) -> list[WriteResult]: ...
