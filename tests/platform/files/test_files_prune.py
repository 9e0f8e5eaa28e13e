from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from files.services import file_store
from kernel.clock import now
from tests.factories import UserFactory, pdf

pytestmark = pytest.mark.django_db


def test_prune_deletes_only_old_bytes_no_row_points_to():
    kept = file_store(upload=pdf(), kind="VERIFICATION_CERTIFICATE", owner=UserFactory(), field="f")
    orphan = default_storage.save("2026/01/orphan.pdf", ContentFile(b"%PDF-1.4 orphan"))
    out = StringIO()

    call_command("files_prune", stdout=out)  # too recent: perhaps still committing
    assert default_storage.exists(orphan)

    with time_machine.travel(now() + timedelta(days=2)):
        call_command("files_prune", stdout=out)

    assert not default_storage.exists(orphan)
    assert default_storage.exists(kept.stored_name)
    assert "deleted 1 orphaned file(s)" in out.getvalue()
