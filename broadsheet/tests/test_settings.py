"""Settings come from the environment only, and bad values fail loudly at start-up."""

import os
import subprocess
import sys
from pathlib import Path

BROADSHEET = Path(sys.executable).with_name("broadsheet")


def run_python(code: str, tmp_path, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    clean.update(
        DJANGO_SETTINGS_MODULE="broadsheet.settings",
        BROADSHEET_VAR_DIR=str(tmp_path / "var"),
        DATABASE_URL="",
        REDIS_URL="",
    )
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=clean,
        cwd=tmp_path,
        timeout=60,
    )


def test_secret_key_is_required_when_debug_is_off(tmp_path):
    result = run_python("import django; django.setup()", tmp_path, DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY is required when DEBUG is off" in result.stderr


def test_debug_needs_no_secret_key(tmp_path):
    result = run_python("import django; django.setup()", tmp_path, DEBUG="1")
    assert result.returncode == 0, result.stderr


def test_unreadable_boolean_is_refused(tmp_path):
    result = run_python("import django; django.setup()", tmp_path, DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_sqlite_default_uses_wal_and_a_busy_timeout(tmp_path):
    code = (
        "import django; django.setup()\n"
        "from django.db import connection\n"
        "c = connection.cursor()\n"
        "print(c.execute('PRAGMA journal_mode').fetchone()[0])\n"
        "print(c.execute('PRAGMA busy_timeout').fetchone()[0])\n"
        "print(connection.settings_dict['NAME'])\n"
    )
    result = run_python(code, tmp_path, SECRET_KEY="x")
    assert result.returncode == 0, result.stderr
    mode, timeout, name = result.stdout.split()
    assert mode == "wal"
    assert int(timeout) >= 5000
    assert name == str(tmp_path / "var" / "broadsheet.sqlite3")


def test_database_url_and_redis_url_choose_the_backends(tmp_path):
    code = (
        "import django; django.setup()\n"
        "from django.conf import settings\n"
        "print(settings.DATABASES['default']['ENGINE'])\n"
        "print(settings.CACHES['default']['BACKEND'])\n"
    )
    result = run_python(
        code,
        tmp_path,
        SECRET_KEY="x",
        DATABASE_URL="postgres://user@db.internal:5432/news",
        REDIS_URL="redis://cache.internal:6379/1",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "broadsheet.redis_cache.FailOpenRedisCache",  # Django's RedisCache, failing open
    ]


def test_email_url_configures_smtp(tmp_path):
    code = (
        "import django; django.setup()\n"
        "from django.conf import settings as s\n"
        "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_USE_TLS)\n"
    )
    result = run_python(
        code, tmp_path, SECRET_KEY="x", EMAIL_URL="submission://desk%40news:pw@mail.internal"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.core.mail.backends.smtp.EmailBackend",
        "mail.internal",
        "587",
        "desk@news",
        "True",
    ]


def test_unknown_email_scheme_is_refused(tmp_path):
    result = run_python(
        "import django; django.setup()", tmp_path, SECRET_KEY="x", EMAIL_URL="carrier://pigeon"
    )
    assert result.returncode != 0
    assert "EMAIL_URL must start with smtp://" in result.stderr


def test_console_script_works_from_any_folder(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(SECRET_KEY="x", BROADSHEET_VAR_DIR=str(tmp_path / "var"), DATABASE_URL="")
    result = subprocess.run(
        [str(BROADSHEET), "check"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


# The documented production settings (README, "Configuration"; docs/deployment.md).
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k7Qw2-production-like-secret-9xVb4nT8rL1mZ6pH3sD0fJ5gC7yU2eA4",
    "ALLOWED_HOSTS": "news.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://news.example.org",
    "BASE_URL": "https://news.example.org",
    "BEHIND_TLS_PROXY": "1",
}


def test_check_deploy_passes_without_a_warning_under_the_production_settings(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    env.update(
        PRODUCTION,
        BROADSHEET_VAR_DIR=str(tmp_path / "var"),
        DATABASE_URL="",
        REDIS_URL="",
        DJANGO_SETTINGS_MODULE="broadsheet.settings",
    )
    result = subprocess.run(
        [str(BROADSHEET), "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


TLS_PROBE = """
import django
django.setup()
from django.conf import settings as s
from django.test import Client
print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER)
client = Client()
plain = client.get("/feed/")
print(plain.status_code, plain.get("Location"))
print(client.get("/healthz").status_code)
secure = client.get("/healthz", HTTP_X_FORWARDED_PROTO="https")
print(secure.get("Strict-Transport-Security"))
"""


def test_behind_the_tls_proxy_http_is_redirected_and_hsts_sent(tmp_path):
    result = run_python(TLS_PROBE, tmp_path, **{**PRODUCTION, "ALLOWED_HOSTS": "testserver"})
    assert result.returncode == 0, result.stderr
    cookies, redirect, health, hsts = result.stdout.strip().splitlines()
    assert cookies == "True True ('HTTP_X_FORWARDED_PROTO', 'https')"
    assert redirect == "301 https://testserver/feed/"
    assert health == "200"  # load balancers poll /healthz over plain HTTP
    assert hsts == "max-age=31536000; includeSubDomains"


def test_without_the_tls_proxy_nothing_is_redirected(tmp_path):
    result = run_python(TLS_PROBE, tmp_path, SECRET_KEY="x", DEBUG="1")
    assert result.returncode == 0, result.stderr
    cookies, redirect, _, hsts = result.stdout.strip().splitlines()
    assert cookies == "False False None"
    assert not redirect.startswith("301")
    assert hsts == "None"
