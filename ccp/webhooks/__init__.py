"""The webhook edge: third-party applications' signed events (outside the SigV4 API; no session, no CSRF)."""
