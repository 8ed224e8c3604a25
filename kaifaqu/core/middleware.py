from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.utils import translation


class DefaultLanguageMiddleware(LocaleMiddleware):
    """The user's choice first (the language switch sets a cookie), then the browser's Accept-Language, then Chinese
    (LANGUAGE_CODE): Django's own order. A browser asking for zh-CN, zh-TW or nothing gets 简体中文; one asking for
    en-US gets English until its user presses 简体中文. An unknown cookie is ignored, as an unknown header is."""

    def process_request(self, request):
        language = translation.get_language_from_request(request)
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
