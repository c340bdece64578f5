"""The last sign of life of each Celery worker, and the queues it consumes."""

from django.db import models


class WorkerHeartbeat(models.Model):
    """Written by every worker each WORKER_HEARTBEAT_SECONDS; readiness wants a fresh one per queue."""

    hostname = models.CharField(max_length=255, unique=True)
    queues = models.JSONField(default=list)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.hostname} ({', '.join(self.queues)}) at {self.seen_at:%H:%M:%S}"
