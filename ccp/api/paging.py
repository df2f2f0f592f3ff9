"""NextToken paging for the List and Search operations: the token is an opaque, versioned offset."""

import base64

from ccp.errors import InvalidParameter

# No list holds two billion rows, so no token this server issued is larger; a forged one with a huge offset
# (10**30) is refused here, since the database's OFFSET would fail on it as a 500.
OFFSET_MAX = 2**31 - 1


def token_encode(offset: int) -> str:
    return base64.urlsafe_b64encode(f"v1:{offset}".encode()).decode()


def token_decode(token: str | None) -> int:
    """The offset a NextToken stands for; a token this server did not issue is a 400."""
    if not token:
        return 0
    try:
        version, _, offset = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        value = int(offset)
    except (ValueError, UnicodeError):
        raise InvalidParameter("NextToken is not a token this server issued.", field="NextToken")
    if version != "v1" or not 0 <= value <= OFFSET_MAX:
        raise InvalidParameter("NextToken is not a token this server issued.", field="NextToken")
    return value


def page(queryset, *, next_token: str | None, max_results: int | None, default: int = 100) -> tuple[list, str | None]:
    """One page of `queryset` (already ordered) and the token of the next page, if any."""
    offset = token_decode(next_token)
    size = max_results or default
    rows = list(queryset[offset : offset + size + 1])
    more = len(rows) > size
    return rows[:size], token_encode(offset + size) if more else None
