from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.utils import translation


class DefaultLanguageMiddleware(LocaleMiddleware):
    """Chinese unless the user chose otherwise: the language switch (cookie) decides, not the browser's header."""

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class StaleEditMiddleware:
    """A stale save that a page did not turn into its form's error (kaifaqu.core.versioning.StaleEdit) is answered
    with 409 and the conflict — who changed the record, when, theirs beside yours — instead of a server error.
    Nothing was written; the browser's back button returns to the filled-in form."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from .versioning import StaleEdit

        if not isinstance(exception, StaleEdit):
            return None
        context = {"lines": exception.describe(), "back": request.path}
        return render(request, "core/stale_edit.html", context, status=409)
