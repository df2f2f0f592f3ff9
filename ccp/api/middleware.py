"""Routes AWS REST-JSON requests (SigV4-signed) to the API before CSRF and sessions get involved."""

from ccp.api.dispatch import handle_api_request, is_api_request


class AwsApiMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_api_request(request):
            return handle_api_request(request)
        return self.get_response(request)
