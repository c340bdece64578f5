"""The API's readers: Swagger UI at /api/docs/ and Redoc at /api/redoc/, from our static files, under the CSP.

Scripts stay as strict as on every page (our own files only: the Swagger UI set-up is a script file
of its own); both readers inject their own style elements and draw icons from data: URLs, and Redoc
searches in a blob: worker, so these two pages allow those.
"""

from collections.abc import Callable
from typing import Any

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

_READERS = {"style-src": [UNSAFE_INLINE], "img-src": ["data:"], "worker-src": [SELF, "blob:"]}


def swagger_view() -> Callable[..., Any]:
    return csp_update(_READERS)(SpectacularSwaggerSplitView.as_view(url_name="api:schema"))


def redoc_view() -> Callable[..., Any]:
    return csp_update(_READERS)(SpectacularRedocView.as_view(url_name="api:schema"))
