"""Render tasks: thin, safe to deliver twice (the render's claim makes the second a no-op)."""

from django_tasks import task

from .jobs import render_run, renders_sweep


@task(queue_name="render")
def render_process(*, render_id: int) -> None:
    render_run(render_id=render_id)


@task(queue_name="render")
def render_sweep() -> int:
    return renders_sweep()
