"""The production settings, read in a fresh interpreter with the environment a deployment would set."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({k: getattr(settings, k) for k in ("
    "'DEBUG', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_HSTS_SECONDS', 'SECURE_SSL_REDIRECT', "
    "'AXES_FAILURE_LIMIT', 'AXES_LOCKOUT_PARAMETERS', 'AUDIT_RETENTION_DAYS', 'LANGUAGE_CODE')} | "
    "{'hasher': settings.PASSWORD_HASHERS[0], 'engine': settings.DATABASES['default']['ENGINE'], "
    "'idle': settings.SESSION_IDLE_TIMEOUT.total_seconds(), "
    "'sqlite': settings.DATABASES['default'].get('OPTIONS', {})}))"
)


def read_settings(**env):
    clean = {k: v for k, v in os.environ.items() if k not in {"KAIFAQU_HTTPS", "DEBUG", "DATABASE_URL", "SECRET_KEY"}}
    clean.update(DJANGO_SETTINGS_MODULE="kaifaqu.settings", **env)
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )
    return result


def test_production_defaults_are_secure(tmp_path):
    result = read_settings(KAIFAQU_PRODUCTION="1", SECRET_KEY="x" * 50, KAIFAQU_VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"] and values["SECURE_SSL_REDIRECT"]
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["hasher"].endswith("Argon2PasswordHasher")
    assert values["AXES_FAILURE_LIMIT"] == 5 and values["AXES_LOCKOUT_PARAMETERS"] == ["username"]
    assert values["AUDIT_RETENTION_DAYS"] >= 184
    assert values["idle"] == 30 * 60
    assert values["LANGUAGE_CODE"] == "zh-hans"


def test_sqlite_runs_in_wal_with_immediate_transactions(tmp_path):
    values = json.loads(read_settings(KAIFAQU_VAR_DIR=str(tmp_path)).stdout)
    assert values["engine"].endswith("sqlite3")
    assert "journal_mode=WAL" in values["sqlite"]["init_command"]
    assert values["sqlite"]["transaction_mode"] == "IMMEDIATE"


def test_production_refuses_to_start_without_secret_key(tmp_path):
    result = read_settings(KAIFAQU_PRODUCTION="1", KAIFAQU_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_audit_retention_cannot_be_set_below_six_months(tmp_path):
    values = json.loads(read_settings(AUDIT_RETENTION_DAYS="30", KAIFAQU_VAR_DIR=str(tmp_path)).stdout)
    assert values["AUDIT_RETENTION_DAYS"] == 184


@pytest.mark.parametrize("url", ["/accounts/login/"])
def test_pages_carry_security_headers(client, db, url):
    response = client.get(url)
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
