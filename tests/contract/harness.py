"""What each platform's contract harness offers the shared adapter contract tests."""

from __future__ import annotations

from typing import Protocol

from connector.platform import PlatformAdapter
from connector.sandbox.base import SandboxStore
from connector.settings import ShopSettings


class Harness(Protocol):
    """A running sandbox store and a real adapter pointed at it."""

    store: SandboxStore
    adapter: PlatformAdapter
    settings: ShopSettings

    def webhook_for_order(self, order_id: str) -> tuple[dict[str, str], bytes]:
        """A correctly signed ``order updated`` delivery for ``order_id``, as the platform sends it."""
        ...

    def forge(self, headers: dict[str, str], body: bytes) -> tuple[dict[str, str], bytes]:
        """The same delivery with a signature that does not match."""
        ...

    def sku_of(self, variant_id: str) -> str: ...
