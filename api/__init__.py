"""The service's front door: the HTTP API NCB integrations and reviewers call (routes, authentication,
authorization, limits). It is the only Temporal client besides the worker and operators' tools."""
