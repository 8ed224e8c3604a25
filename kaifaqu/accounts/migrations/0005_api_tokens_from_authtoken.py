"""Move the keys of rest_framework.authtoken (one per user, never expiring, stored in clear) into ApiToken (named,
expiring, digests only), and delete the clear-text rows. A moved key keeps working for API_TOKEN_DAYS from its
creation, and at least a week after the upgrade so that scripts can be given new tokens."""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone

GRACE = timedelta(days=7)


def move_tokens(apps, schema_editor):
    Token = apps.get_model("authtoken", "Token")
    ApiToken = apps.get_model("accounts", "ApiToken")
    now = timezone.now()
    for legacy in Token.objects.all():
        ApiToken.objects.create(
            user_id=legacy.user_id,
            name="旧令牌",
            key_digest=hashlib.sha256(legacy.key.encode()).hexdigest(),
            key_prefix=legacy.key[:8],
            created_at=legacy.created,
            expires_at=max(legacy.created + timedelta(days=settings.API_TOKEN_DAYS), now + GRACE),
            last_used_at=now,  # not stale at once: the old table never recorded use
        )
    Token.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_api_tokens"),
        ("authtoken", "0004_alter_tokenproxy_options"),
    ]

    operations = [migrations.RunPython(move_tokens, migrations.RunPython.noop)]
