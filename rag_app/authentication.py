"""Session authentication that answers 401 with WWW-Authenticate when credentials are missing."""

from rest_framework import authentication
from rest_framework.request import Request


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's session check; DRF answers 403 when the first class names no scheme, so this one names Token's.

    A client with neither a session nor a valid token gets 401 and `WWW-Authenticate: Token`, telling
    it how to authenticate; a session that fails CSRF still gets 403.
    """

    def authenticate_header(self, request: Request) -> str:
        return authentication.TokenAuthentication.keyword
