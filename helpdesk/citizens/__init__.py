"""One citizen across channels: people, their identities, the citizen page, suggestions.

The blueprint lives in helpdesk.citizens.views (registered by create_app), so the inbox and the
ticket side can import the services here without loading the pages.
"""
