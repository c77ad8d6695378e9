"""Background jobs of the usage statistics."""

from celery import shared_task

from lien.usage import counters


@shared_task
def flush_usage() -> int:
    """Every minute (Celery beat): add the page views, sessions and unique visitors counted
    since the last run to DailyUsage. Safe to run twice, or concurrently."""
    return counters.flush()
