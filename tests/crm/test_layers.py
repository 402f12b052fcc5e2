"""The floor stays the floor: its shared modules load without the worker configuration."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
        env={"DJANGO_SETTINGS_MODULE": "crm.settings.test", "PATH": "/usr/bin:/bin"},
    )
    return result.stdout.strip()


def test_importing_the_sms_interface_does_not_load_celery():
    loaded = _run("import sys, crm.sms; print(sorted(m for m in sys.modules if m.split('.')[0] == 'celery'))")
    assert loaded == "[]"


def test_a_service_queues_a_task_by_name_in_a_fresh_process():
    # What a web process does on its first webhook: no module has imported openphone.tasks yet.
    code = (
        "import django; django.setup()\n"
        "import sys; assert 'openphone.tasks' not in sys.modules\n"
        "from celery import current_app\n"
        "from crm.queueing import task_named\n"
        "task = task_named('openphone.tasks.process_webhook_event')\n"
        "print(current_app.main, task.name, task.app.main)"
    )
    assert _run(code) == "crm openphone.tasks.process_webhook_event crm"
