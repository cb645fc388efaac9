"""Page sizes that keep one call under Shopify's per-query cost limit, learned from its answers."""

from __future__ import annotations

from collections.abc import Sequence

from adapters.shopify.client import GraphQLClient

__all__ = ["Sizer"]


class Sizer:
    """Page sizes for one document, scaled so one call requests at most 90% of what it may."""

    def __init__(self, client: GraphQLClient, defaults: Sequence[int]) -> None:
        self.client = client
        self.defaults = tuple(defaults)
        self.scale = 1.0

    def sizes(self) -> tuple[int, ...]:
        return tuple(max(1, int(d * self.scale)) for d in self.defaults)

    def learn(self, requested: int | None) -> None:
        if not requested:
            return
        budget = 0.9 * self.client.cap
        if requested > budget or (requested < budget / 2 and self.scale < 1):
            self.scale = max(1e-3, min(1.0, self.scale * budget / requested))

    def too_costly(self, cost: int) -> None:
        # The refused cost is what the page asked: scale to the budget in one step (halving
        # instead left pages at half the size they may have for the rest of the read).
        budget = 0.9 * self.client.cap
        self.scale = max(1e-3, self.scale * min(0.95, budget / max(cost, 1)))
