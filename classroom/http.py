"""Small shared pieces for JSON endpoints and pages: errors in the contract's shapes, body parsing."""

import functools
import json
import logging

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse

from classroom.access import LoginRequired

logger = logging.getLogger(__name__)


class BadRequest(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def json_body(request) -> dict:
    if not request.body:
        return {}
    try:
        data = json.loads(request.body)
    except ValueError as exc:
        raise BadRequest("The body is not valid JSON.") from exc
    if not isinstance(data, dict):
        raise BadRequest("The body must be a JSON object.")
    return data


def form_errors(form) -> JsonResponse:
    return JsonResponse({"errors": {field: list(messages) for field, messages in form.errors.items()}}, status=400)


def json_api(view):
    """Answers refusals as JSON (404, 403, 400) instead of HTML pages, for scripts and the page's fetch()."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Http404 as exc:
            return JsonResponse({"error": str(exc) or "Not found."}, status=404)
        except LoginRequired:
            return JsonResponse({"error": "Log in as the lesson's teacher."}, status=403)
        except PermissionDenied as exc:
            return JsonResponse({"error": str(exc) or "Not allowed."}, status=403)
        except BadRequest as exc:
            return JsonResponse({"error": exc.message}, status=400)

    return wrapper


def teacher_page(view):
    """An anonymous visitor of a teacher page goes to the login page and comes back after."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except LoginRequired:
            return redirect_to_login(request.get_full_path())

    return wrapper
