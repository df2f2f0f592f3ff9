"""The console validates forms and calls configuration services; it never writes rows itself."""

import re
from pathlib import Path

import pytest

from admin_console.forms.routing import QueueForm

ROOT = Path(__file__).resolve().parent.parent.parent
ORM_WRITE = re.compile(r"\.(save|create|delete|get_or_create|update_or_create|bulk_create|bulk_update)\(")


def test_no_console_view_or_form_writes_rows_itself():
    writers = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in ("views", "forms")
        for path in (ROOT / "admin_console" / folder).rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if ORM_WRITE.search(line)
    ]
    assert writers == []


@pytest.mark.django_db
def test_a_console_form_refuses_to_save(instance):
    form = QueueForm({"name": "Billing"}, tenant=instance)
    assert form.is_valid()
    with pytest.raises(NotImplementedError):
        form.save()
