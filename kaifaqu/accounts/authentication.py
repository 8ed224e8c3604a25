"""Who calls /api/: a named, expiring token or the browser's session — and the account rules of the pages apply.

A user who must change the password (IA-1), or whose account name is locked out after failed logins (IA-2), gets
403 from the API with the reason in their language, as the pages send them to the password form or refuse the
login. A disabled account, like an unknown, expired or stale token, is not authenticated at all (401).
"""

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication, get_authorization_header

from .denials import record_denied
from .models import ApiToken
from .services import password_expired


def check_account(request, user):
    """Refuse (403) an authenticated user whom the pages would not let work either; the refusal is audited."""
    if user.must_change_password or password_expired(user):
        reason, message = "password_change_required", _("请先在网页上修改密码，然后再调用接口。")
    elif AxesProxyHandler.is_locked(request._request, {"username": user.get_username()}):
        reason, message = "locked_out", _("账户因多次登录失败已被锁定，请稍后再试。")
    else:
        return
    # DRF forgets the user once authentication raises: the audit record is written here, with the account.
    record_denied(request._request, user, status=403, reason=reason)
    raise exceptions.PermissionDenied(message)


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Token <key>` against ApiToken (digests only); refuses expired and stale tokens."""

    keyword = "Token"

    def authenticate(self, request):
        words = get_authorization_header(request).split()
        if not words or words[0].lower() != self.keyword.lower().encode():
            return None
        if len(words) != 2:
            raise exceptions.AuthenticationFailed(_("令牌格式无效：应为 Authorization: Token 令牌。"))
        try:
            key = words[1].decode()
        except UnicodeError as error:
            raise exceptions.AuthenticationFailed(_("令牌无效。")) from error
        token = ApiToken.objects.for_key(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("令牌无效。"))
        if token.expired:
            raise exceptions.AuthenticationFailed(_("令牌已过期，请在个人信息页面生成新令牌。"))
        if token.stale:
            raise exceptions.AuthenticationFailed(_("令牌长期未使用，已失效，请在个人信息页面生成新令牌。"))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("账户已停用。"))
        check_account(request, token.user)
        token.touch()
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword


class AccountSessionAuthentication(SessionAuthentication):
    """The browser's session (idle and absolute timeouts apply: SessionTimeoutMiddleware) plus the account rules."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            check_account(request, result[0])
        return result


# How the OpenAPI schema (/api/schema/) describes the two ways in.
class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix=self.target.keyword)


class AccountSessionScheme(OpenApiAuthenticationExtension):
    target_class = AccountSessionAuthentication
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}
