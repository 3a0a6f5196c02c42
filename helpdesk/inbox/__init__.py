"""The inbox: VK, OK and Telegram messages in, replies out (adapters, webhooks, ingest, outbox)."""
