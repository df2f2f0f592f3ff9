"""Operations: health and readiness probes, Prometheus metrics, request ids and structured logs.

Nothing here changes a contact, an agent or a timer. The one row it owns is the worker heartbeat,
so readiness can tell a load balancer that timers are being fired.
"""
