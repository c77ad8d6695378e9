"""Background jobs of the directory: running an uploaded import."""

from celery import shared_task

from lien.directory import services


@shared_task
def run_import_job(job_pk: int) -> None:
    """Idempotent: a finished job is left alone, and re-running an import changes nothing."""
    services.run_import_job(job_pk)
