"""The server's start-up heap, kept out of the garbage collector's full collections.

A long-running process holds ~100,000 objects from start-up (Django, the models, the URLconf and every view it
imports, the compiled queries). CPython's full (generation 2) collection walks all of them: ~50 ms on this
2-core VM, and it lands on whichever request happens to allocate past the threshold, one in a few dozen. Those
objects live as long as the process, so collecting them finds nothing. `gc.freeze()` moves them to a permanent
generation that collections skip (as Instagram's Django servers do): a full collection then walks only what was
made since, well under a millisecond (`bench/metrics.py`'s real-time page: p95 53–87 → ~25 ms)."""

import gc


def heap_freeze(*, import_urls: bool = True) -> int:
    """Import what every request needs (with `import_urls`, the URLconf and so every view module), collect what
    start-up left behind, and freeze the rest. Returns how many objects are frozen."""
    if import_urls:
        from django.urls import get_resolver

        get_resolver().url_patterns  # noqa: B018 - the import of every view is the point
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
