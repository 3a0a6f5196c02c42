"""The MAX bot API fake: messages, long polling by marker, subscriptions, files, webhook driver,
fault injection (HTTP status + {"code", "message"}, 429), the 2-a-second dialog limit."""
from helpdesk.demo.simulators.base import Fault
from helpdesk.demo.simulators.max import SECRET_HEADER, MaxSimulator as FakeMax

__all__ = ["Fault", "FakeMax", "SECRET_HEADER"]
