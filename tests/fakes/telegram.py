"""The Telegram Bot API fake: methods, getUpdates, files, webhook driver, fault injection."""
from helpdesk.demo.simulators.base import Fault
from helpdesk.demo.simulators.telegram import SECRET_HEADER, TelegramSimulator as FakeTelegram

__all__ = ["Fault", "FakeTelegram", "SECRET_HEADER"]
