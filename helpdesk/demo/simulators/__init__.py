"""Local platform simulators (VK, Telegram, OK, MAX) used by demo mode and by the test fakes."""
from helpdesk.demo.simulators.base import Fault, SimServer
from helpdesk.demo.simulators.max import MaxSimulator
from helpdesk.demo.simulators.ok import OkSimulator
from helpdesk.demo.simulators.telegram import TelegramSimulator
from helpdesk.demo.simulators.vk import VkSimulator

__all__ = ["Fault", "MaxSimulator", "OkSimulator", "SimServer", "TelegramSimulator",
           "VkSimulator"]
