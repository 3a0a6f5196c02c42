"""Platform fakes: real HTTP servers on 127.0.0.1 (built on helpdesk.demo.simulators)."""
