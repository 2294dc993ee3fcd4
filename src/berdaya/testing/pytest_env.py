"""Loaded with ``-p`` before pytest-django reads the settings: test-only environment.

Real values from the environment win (CI sets DATABASE_URL for the PostgreSQL run).
"""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdef")
# registry: key for the encrypted NIK and phone columns (test value only)
os.environ.setdefault("PERSONAL_DATA_KEY", "test-personal-data-key-not-for-production-0123456789")
os.environ.setdefault("BERDAYA_VAR_DIR", tempfile.mkdtemp(prefix="berdaya-test-"))
# Playwright's sync API runs an event loop in the test thread; the ORM calls made by
# the test body itself are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Background tasks run inside the enqueueing call (no worker process); the worker itself
# is exercised by tests that start `berdaya db_worker` explicitly.
os.environ.setdefault("BERDAYA_TASKS", "immediate")
