"""Queueing a Celery task by its dotted name.

A service queues the task that will call it back later; naming the task instead of importing its
module keeps services and tasks from importing each other. The name is resolved to the task itself
(its module is imported on first use, then cached by Python), so eager mode without Redis and the
task's own options apply exactly as when it is imported.
"""
from __future__ import annotations

from celery import Task
from celery.utils.imports import symbol_by_name


def task_named(name: str) -> Task:
    """The task at dotted path `name`, e.g. "openphone.tasks.process_webhook_event"."""
    return symbol_by_name(name)
