"""Settings read the environment and refuse bad values loudly, naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from zhuqi import settings as production

ROOT = Path(__file__).resolve().parents[2]


def load_settings(tmp_path, **env):
    """Import zhuqi.settings in a fresh interpreter with `env`, returning (exit code, output)."""
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG", "SECRET_KEY", "BEHIND_HTTPS"}}
    clean.update(ZHUQI_VAR_DIR=str(tmp_path), **env)
    code = (
        "import zhuqi.settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "getattr(s, 'SECURE_PROXY_SSL_HEADER', None), s.DEBUG, len(s.SECRET_KEY))"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60)
    return run.returncode, run.stdout + run.stderr


def test_embedded_default_needs_nothing(tmp_path):
    code, out = load_settings(tmp_path)
    assert code == 0, out
    assert "django.db.backends.sqlite3 False False None False" in out


def test_generated_secret_key_is_stable_across_starts(tmp_path):
    load_settings(tmp_path)
    first = (tmp_path / "secret_key").read_text()
    load_settings(tmp_path)
    assert (tmp_path / "secret_key").read_text() == first and len(first) >= 50


def test_postgres_url_is_accepted(tmp_path):
    code, out = load_settings(tmp_path, DATABASE_URL="postgres://zhuqi@db.example:5432/zhuqi")
    assert code == 0 and "django.db.backends.postgresql" in out


def test_behind_https_makes_cookies_secure(tmp_path):
    code, out = load_settings(tmp_path, BEHIND_HTTPS="true", SECRET_KEY="x" * 40)
    assert code == 0, out
    assert "True True ('HTTP_X_FORWARDED_PROTO', 'https')" in out


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean"),
        (
            {"DATABASE_URL": "mysql://root@localhost/zhuqi"},
            "DATABASE_URL='mysql://root@localhost/zhuqi' must start with",
        ),
        ({"SECRET_KEY": "short"}, "SECRET_KEY must be at least 32 characters"),
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL='localhost:6379' must start with"),
        ({"CELERY_BROKER_URL": "kafka://x"}, "CELERY_BROKER_URL='kafka://x' must start with"),
        ({"BEHIND_HTTPS": "sometimes"}, "BEHIND_HTTPS='sometimes' is not a boolean"),
        ({"AXES_FAILURE_LIMIT": "five"}, "AXES_FAILURE_LIMIT='five' is not a whole number"),
    ],
)
def test_bad_values_stop_start_up_with_a_message(tmp_path, env, message):
    code, out = load_settings(tmp_path, **env)
    assert code != 0
    assert "ImproperlyConfigured" in out and message in out


def test_production_hashes_passwords_with_argon2():
    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_no_broker_runs_tasks_in_process(tmp_path):
    assert production.CELERY_TASK_ALWAYS_EAGER is (not production.CELERY_BROKER_URL)
