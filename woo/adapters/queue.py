"""Background jobs on rq (Redis). One small interface; an inline variant runs the job at once."""
from __future__ import annotations

from typing import Callable, Protocol

JOB_TIMEOUT = 60 * 60  # OCR of a long scan can take a while
LIGHT, HEAVY = "woo", "woo-heavy"  # text layers, privacy, classification / OCR, PDF/A
SYNC = "woo-sync"  # a source sync's file fetches: taken only when light and heavy are empty (rq's queue order)
QUEUES = (LIGHT, HEAVY, SYNC)


class JobQueue(Protocol):
    def enqueue(self, func: str, *args, job_id: str | None = None, queue: str = LIGHT,
                at_front: bool = False, retry: tuple[int, ...] | None = None) -> str | None: ...


class RqQueue:
    """Two rq queues on one Redis: heavy work (OCR, PDF/A) never waits in front of light work."""

    def __init__(self, redis_url: str, name: str = LIGHT):
        from redis import Redis
        from rq import Queue

        self.redis = Redis.from_url(redis_url)
        self.queue = Queue(name, connection=self.redis, default_timeout=JOB_TIMEOUT)
        self.queues = {n: Queue(n, connection=self.redis, default_timeout=JOB_TIMEOUT) for n in QUEUES}
        self.queues[name] = self.queue

    def enqueue(self, func: str, *args, job_id: str | None = None, queue: str = LIGHT,
                at_front: bool = False, retry: tuple[int, ...] | None = None) -> str | None:
        """``at_front``: ahead of what waits on that queue (OCR, which a document's review waits for, goes
        before PDF/A renditions, which nobody waits for). ``retry``: seconds to wait before each retry of a
        failed job (back-off), e.g. (60, 300, 1800)."""
        from rq import Retry

        target = self.queues.get(queue, self.queue)
        job = target.enqueue(func, *args, job_id=job_id, result_ttl=3600, failure_ttl=7 * 86400, at_front=at_front,
                             retry=Retry(max=len(retry), interval=list(retry)) if retry else None)
        return job.id


class InlineQueue:
    """Runs jobs immediately in this process (WOO_JOBS_INLINE=1): small installs and some tests."""

    def enqueue(self, func: str, *args, job_id: str | None = None, queue: str = LIGHT,
                at_front: bool = False, retry: tuple[int, ...] | None = None) -> str | None:
        import_callable(func)(*args)
        return None


def import_callable(path: str) -> Callable:
    module, _, name = path.rpartition(".")
    mod = __import__(module, fromlist=[name])
    return getattr(mod, name)
