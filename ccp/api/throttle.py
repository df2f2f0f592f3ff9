"""Token buckets per instance and API operation (rate and burst set by the admin on the Instance).

Where the buckets live: in Redis when REDIS_URL is set (service mode, several web processes: one
atomic Lua script per request, so every process draws from the same bucket), otherwise in this
process's memory behind a lock. Without REDIS_URL the server is one process (SQLite mode), so memory
is the shared state; a table would add a write to every API call on a single-writer database.
"""

import threading
import time

from django.conf import settings

_LUA = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(burst / math.max(rate, 0.001)) + 60)
return allowed
"""


class _MemoryBuckets:
    def __init__(self):
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str, *, rate: float, burst: float, now: float) -> bool:
        with self._lock:
            tokens, at = self._buckets.get(key, (burst, now))
            tokens = min(burst, tokens + max(0.0, now - at) * rate)
            allowed = tokens >= 1
            if allowed:
                tokens -= 1
            self._buckets[key] = (tokens, now)
            return allowed

    def clear(self) -> None:
        with self._lock:
            self._buckets.clear()


_memory = _MemoryBuckets()
_redis = None
_redis_lock = threading.Lock()


def _redis_script():
    global _redis
    with _redis_lock:
        if _redis is None:
            import redis

            client = redis.Redis.from_url(settings.REDIS_URL)
            _redis = client.register_script(_LUA)
    return _redis


def throttle_take(*, instance, operation: str, now: float | None = None) -> bool:
    """Take one token from the instance's bucket for `operation`; False means throttle the request."""
    # The operator's ceilings hold even for a row written before they were lowered (or around the console).
    rate = float(min(instance.api_rate_per_second, settings.MAX_API_RATE_PER_SECOND))
    burst = float(max(min(instance.api_burst, settings.MAX_API_BURST), 1))
    now = time.time() if now is None else now
    key = f"ccp:throttle:{instance.pk}:{operation}"
    if getattr(settings, "REDIS_URL", ""):
        import redis

        try:
            return bool(_redis_script()(keys=[key], args=[rate, burst, now]))
        except redis.RedisError:
            pass  # Redis is down: this process's own buckets still bound the rate
    return _memory.take(key, rate=rate, burst=burst, now=now)


def throttle_reset() -> None:
    """Forget the in-memory buckets (tests)."""
    _memory.clear()
