"""Placeholder until the API room lands: no request is an API request."""


def is_api_request(request) -> bool:
    return False


def handle_api_request(request):
    raise NotImplementedError
