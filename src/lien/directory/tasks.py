"""Background jobs of the directory: previewing an uploaded import, then running it."""

from celery import shared_task

from lien.directory import services


@shared_task
def preview_import_job(job_pk: int) -> None:
    """Writes nothing; a job past its preview (confirmed, cancelled) is left alone."""
    services.preview_import_job(job_pk)


@shared_task
def run_import_job(job_pk: int) -> None:
    """Idempotent: a finished job is left alone, and re-running an import changes nothing."""
    services.run_import_job(job_pk)
