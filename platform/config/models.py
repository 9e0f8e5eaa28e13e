from django.db import models


class WorkerHeartbeat(models.Model):
    """When a worker loop last finished a round (one row per loop, whichever copy of the
    worker ran it last): ``/readyz`` and the ``worker_lag_seconds`` metric read it."""

    loop = models.CharField(max_length=32, primary_key=True)
    beat_at = models.DateTimeField()
    worker = models.CharField(max_length=100, blank=True, help_text="host:pid of the beater")

    class Meta:
        verbose_name = "worker heartbeat"

    def __str__(self) -> str:
        return f"{self.loop} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"
