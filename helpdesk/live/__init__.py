"""The live desk's plumbing: which tickets changed (helpdesk.live.bus) and who has a ticket open
(helpdesk.live.presence). Knows the models, nothing of the desk that reads it (helpdesk.tickets)."""
