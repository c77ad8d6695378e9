import os

from lien.settings import *  # noqa: F403
from lien.settings import CACHES

# Fast hashing in tests; the real hashers are exercised by test_passwords.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
# Usage counters reach the database only when a test flushes them: never inside a request whose
# queries another test counts.
LIEN_USAGE_FLUSH_SECONDS = 0
LIEN_USAGE_PUSH_SECONDS = 0.0  # and reach Redis at once
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
# pytest-xdist workers share one Redis: keep their keys apart.
CACHES["default"]["KEY_PREFIX"] = "lien-test-" + os.environ.get("PYTEST_XDIST_WORKER", "main")
# Real time: the in-process channel layer (test_consumer_redis.py tries the Redis one).
CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
