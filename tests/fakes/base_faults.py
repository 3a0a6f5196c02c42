"""Fault injection shared by the fakes."""
from helpdesk.demo.simulators.base import Fault

__all__ = ["Fault"]
