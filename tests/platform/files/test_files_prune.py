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


def test_prune_deletes_only_old_bytes_no_row_points_to(storage_backend):
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


def test_prune_on_the_object_store_lists_the_bucket_and_spares_every_recorded_file(s3_storage):
    owner = UserFactory()
    kept = [
        file_store(upload=pdf(), kind="VERIFICATION_CERTIFICATE", owner=owner, field="f")
        for _ in range(3)
    ]
    orphans = [
        default_storage.save(f"2026/0{n}/orphan.pdf", ContentFile(b"%PDF-1.4 orphan"))
        for n in range(1, 4)
    ]
    assert len(s3_storage.keys()) == 6
    out = StringIO()

    with time_machine.travel(now() + timedelta(days=2)):
        call_command("files_prune", "--dry-run", stdout=out)
        assert len(s3_storage.keys()) == 6
        call_command("files_prune", stdout=out)

    assert s3_storage.keys() == sorted(file.stored_name for file in kept)
    assert not any(default_storage.exists(name) for name in orphans)
    assert "would delete 3 orphaned file(s)" in out.getvalue()
    assert "deleted 3 orphaned file(s)" in out.getvalue()
