"""What a customer or an API caller can type into a task, at its most hostile, and the check that a page
shows all of it as text: no script, no injected tag or attribute, no javascript: link."""

import re

SCRIPT = "<script>alert(1)</script>"
BREAKOUT = '"><img src=x onerror=alert(1)>'
JS_URL = "javascript:alert(1)"

HOSTILE = {
    "name": SCRIPT,
    "description": f"Line one\n{BREAKOUT}",
    "attributes": {BREAKOUT: SCRIPT, "order": BREAKOUT},
    "references": {
        "Evil": {"Type": "URL", "Value": JS_URL},
        "Sneaky": {"Type": "URL", "Value": " JavaScript:alert(1)"},
        BREAKOUT: {"Type": "STRING", "Value": SCRIPT},
    },
}

ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"
ESCAPED_BREAKOUT = "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"


def assert_inert(html: str, *, shows: tuple[str, ...] = (ESCAPED_SCRIPT, ESCAPED_BREAKOUT)) -> None:
    """Nothing hostile is live in `html`, and the hostile text is there, escaped (so it was rendered)."""
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    assert not re.search(r"""href\s*=\s*["']?\s*javascript:""", html, re.IGNORECASE)
    for text in shows:
        assert text in html, text
