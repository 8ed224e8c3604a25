"""Settings for the test suite: the production settings, served over plain http by the test servers."""

import os

os.environ.setdefault("KAIFAQU_HTTPS", "0")
# Imports run inline in the test that starts them; test_import_worker runs them through the database backend and
# `db_worker` on purpose.
os.environ.setdefault("TASKS_BACKEND", "immediate")
# Playwright's sync API keeps an event loop in the test thread; the ORM calls it makes there are synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from .settings import *  # noqa: E402,F403

# Hashing cost is not what the suite tests (test_security checks the production hasher).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405
# Serve static files from the finders without a collected STATIC_ROOT (nothing is collected for tests).
WHITENOISE_AUTOREFRESH = True
