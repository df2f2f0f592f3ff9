"""Every write: the only code that changes rows, each change one transaction with its ContactEvent, pushes and
routing after commit (README: Architecture)."""
