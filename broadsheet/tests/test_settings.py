"""Settings come from the environment only, and bad values fail loudly at start-up.

Each setting is read in this process: the settings module run afresh under a given
environment (`settings_under`), a few milliseconds each. One smoke test starts the
`broadsheet` console script as production does, from another folder, where the settings
are read by a process of their own.
"""

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.utils import ConnectionHandler
from django.test import Client, override_settings

import broadsheet.settings

BROADSHEET = Path(sys.executable).with_name("broadsheet")
SETTINGS = broadsheet.settings.__file__


@pytest.fixture
def settings_under(monkeypatch, tmp_path):
    """`settings_under(DEBUG="1", ...)`: the settings module's names as it computes them
    under the suite's environment less DEBUG, SECRET_KEY, DATABASE_URL and REDIS_URL, plus
    the given variables, with var/ in a temporary folder."""

    def read(**env) -> dict:
        for name in ("DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "CACHE_BACKEND"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("BROADSHEET_VAR_DIR", str(tmp_path / "var"))
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(SETTINGS)

    return read


def test_secret_key_is_required_when_debug_is_off(settings_under):
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY is required when DEBUG is off"):
        settings_under(DEBUG="0")


def test_debug_needs_no_secret_key(settings_under):
    assert settings_under(DEBUG="1")["SECRET_KEY"]


def test_unreadable_boolean_is_refused(settings_under):
    with pytest.raises(ImproperlyConfigured, match="DEBUG must be a boolean"):
        settings_under(DEBUG="maybe")


def test_sqlite_default_uses_wal_and_a_busy_timeout(settings_under, tmp_path, django_db_blocker):
    databases = settings_under(SECRET_KEY="x")["DATABASES"]
    assert databases["default"]["NAME"] == str(tmp_path / "var" / "broadsheet.sqlite3")
    connection = ConnectionHandler(databases)["default"]  # its own, not the test database
    try:
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert cursor.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    finally:
        connection.close()


def test_database_url_and_redis_url_choose_the_backends(settings_under):
    names = settings_under(
        SECRET_KEY="x",
        DATABASE_URL="postgres://user@db.internal:5432/news",
        REDIS_URL="redis://cache.internal:6379/1",
    )
    assert names["DATABASES"]["default"]["ENGINE"] == "broadsheet.postgresql"
    assert names["CACHES"]["default"]["BACKEND"] == "broadsheet.redis_cache.FailOpenRedisCache"
    assert names["CACHES"]["default"]["LOCATION"] == "redis://cache.internal:6379/1"
    # Wagtail's renditions share Redis under a prefix of their own (issue 19).
    assert names["CACHES"]["renditions"]["BACKEND"] == names["CACHES"]["default"]["BACKEND"]
    assert names["CACHES"]["renditions"]["KEY_PREFIX"].endswith(":renditions")


def test_email_url_configures_smtp(settings_under):
    s = settings_under(SECRET_KEY="x", EMAIL_URL="submission://desk%40news:pw@mail.internal")
    assert s["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (s["EMAIL_HOST"], s["EMAIL_PORT"]) == ("mail.internal", 587)
    assert (s["EMAIL_HOST_USER"], s["EMAIL_HOST_PASSWORD"]) == ("desk@news", "pw")
    assert s["EMAIL_USE_TLS"] and not s["EMAIL_USE_SSL"]


def test_unknown_email_scheme_is_refused(settings_under):
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL must start with smtp://"):
        settings_under(SECRET_KEY="x", EMAIL_URL="carrier://pigeon")


# The documented production settings (README, "Configuration"; docs/deployment.md).
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k7Qw2-production-like-secret-9xVb4nT8rL1mZ6pH3sD0fJ5gC7yU2eA4",
    "ALLOWED_HOSTS": "news.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://news.example.org",
    "BASE_URL": "https://news.example.org",
    "BEHIND_TLS_PROXY": "1",
}


def test_console_script_passes_check_deploy_from_any_folder_under_production_settings(
    tmp_path,
):
    """The one test that reads the settings in a process of their own: the console script
    as production starts it (no DJANGO_SETTINGS_MODULE, another working folder), and
    Django's deployment checks without a warning."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "CACHE_BACKEND"}
    }
    env.update(PRODUCTION, BROADSHEET_VAR_DIR=str(tmp_path / "var"), DATABASE_URL="", REDIS_URL="")
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


# What the TLS proxy settings change, applied to this process's settings.
TLS_SETTINGS = (
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_SSL_REDIRECT",
    "SECURE_REDIRECT_EXEMPT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
)


def tls_settings(names: dict):
    return override_settings(**{name: names[name] for name in TLS_SETTINGS})


@pytest.mark.django_db
def test_behind_the_tls_proxy_http_is_redirected_and_hsts_sent(settings_under):
    names = settings_under(**PRODUCTION)
    assert names["SESSION_COOKIE_SECURE"] and names["CSRF_COOKIE_SECURE"]
    assert names["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    with tls_settings(names):
        client = Client()
        plain = client.get("/feed/")
        assert (plain.status_code, plain["Location"]) == (301, "https://testserver/feed/")
        assert client.get("/healthz").status_code == 200  # load balancers poll plain HTTP
        secure = client.get("/healthz", HTTP_X_FORWARDED_PROTO="https")
        assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


@pytest.mark.django_db
def test_without_the_tls_proxy_nothing_is_redirected(settings_under):
    names = settings_under(SECRET_KEY="x", DEBUG="1")
    assert not names["SESSION_COOKIE_SECURE"] and not names["CSRF_COOKIE_SECURE"]
    assert names["SECURE_PROXY_SSL_HEADER"] is None
    with tls_settings(names):
        client = Client()
        assert client.get("/feed/").status_code == 200
        secure = client.get("/healthz", HTTP_X_FORWARDED_PROTO="https")
        assert secure.status_code == 200 and "Strict-Transport-Security" not in secure
