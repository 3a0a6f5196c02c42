"""The OK group bot API fake: messages, subscribe, files, webhook driver, fault injection."""
from helpdesk.demo.simulators.base import Fault
from helpdesk.demo.simulators.ok import OkSimulator as FakeOk

__all__ = ["Fault", "FakeOk"]
