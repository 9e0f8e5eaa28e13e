"""STORAGE_URL: how it is read, and that a process started with it writes to the store."""

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from files.storage import S3_BACKEND, storage_from_url
from tests.s3 import REPO


def test_a_storage_url_names_the_bucket_prefix_endpoint_region_and_addressing():
    entry = storage_from_url(
        "s3://auction-files/private?endpoint_url=https%3A%2F%2Foss-cn-hangzhou.aliyuncs.com"
        "&region=cn-hangzhou&addressing_style=virtual"
    )
    assert entry == {
        "BACKEND": S3_BACKEND,
        "OPTIONS": {
            "bucket_name": "auction-files",
            "location": "private",
            "signature_version": "s3v4",
            "endpoint_url": "https://oss-cn-hangzhou.aliyuncs.com",
            "region_name": "cn-hangzhou",
            "addressing_style": "virtual",
        },
    }


def test_credentials_in_a_storage_url_are_percent_decoded():
    options = storage_from_url("s3://AKID:se%2Fcr%2Bet@files")["OPTIONS"]
    assert (options["access_key"], options["secret_key"]) == ("AKID", "se/cr+et")
    assert (options["bucket_name"], options["location"]) == ("files", "")


@pytest.mark.parametrize(
    "url",
    ["https://files.example.org", "s3://?region=x", "s3://files?endpoint=http://x"],
)
def test_a_malformed_storage_url_is_refused_at_start(url):
    with pytest.raises(ImproperlyConfigured):
        storage_from_url(url)


def test_a_process_started_with_storage_url_writes_to_the_store_and_not_to_disk(
    s3_endpoint, tmp_path
):
    bucket = s3_endpoint.new_bucket()
    private = tmp_path / "private"
    script = (
        "import django; django.setup()\n"
        "from django.core.files.base import ContentFile\n"
        "from django.core.files.storage import default_storage, storages\n"
        "from config.ops import readiness\n"
        "print(type(storages['default']).__name__)\n"
        "print(default_storage.save('2026/12/x.pdf', ContentFile(b'%PDF-1.4 x')))\n"
        "print(readiness()['storage'])\n"
    )
    env = {
        **os.environ,
        **s3_endpoint.env(bucket, prefix="private"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PRIVATE_MEDIA_ROOT": str(private),
    }
    env.pop("DATABASE_URL", None)
    env["SQLITE_PATH"] = str(tmp_path / "db.sqlite3")
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["PrivateS3Storage", "2026/12/x.pdf", "ok"]
    assert s3_endpoint.keys(bucket) == ["private/2026/12/x.pdf"]
    assert not private.exists()
