"""The VK fake: API methods, Bots Long Poll server, Callback driver, fault injection."""
from helpdesk.demo.simulators.base import Fault
from helpdesk.demo.simulators.vk import VkSimulator


class FakeVk(VkSimulator):
    """VkSimulator with test conveniences."""

    def duplicates(self) -> int:
        """How many distinct (peer, text) messages the citizen received more than once."""
        seen: dict[tuple, int] = {}
        for m in self.sent:
            key = (m["peer_id"], m["message"])
            seen[key] = seen.get(key, 0) + 1
        return sum(1 for n in seen.values() if n > 1)


__all__ = ["Fault", "FakeVk"]
