"""Media tasks: thin, safe to deliver twice (the job's claim makes the second a no-op)."""

from django_tasks import task

from .jobs import media_job_run, media_jobs_sweep


@task(queue_name="media")
def media_process(*, job_id: int) -> None:
    media_job_run(job_id=job_id)


@task(queue_name="media")
def media_sweep() -> int:
    return media_jobs_sweep()
