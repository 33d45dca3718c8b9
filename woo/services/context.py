"""What a use case needs to do its work: settings, a database session factory, storage, the queue."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from sqlalchemy.orm import Session, sessionmaker

from woo.adapters.db import session_factory
from woo.adapters.objectstore import ObjectStore, S3ObjectStore
from woo.adapters.queue import InlineQueue, JobQueue, RqQueue
from woo.config import Settings
from woo.publish import feed_outbox
from woo.services import worklist as _worklist  # noqa: F401  (installs the work-list hook)


@dataclass
class Context:
    settings: Settings
    sessions: sessionmaker
    store: ObjectStore
    queue: JobQueue

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """A transaction: committed when the block ends normally, rolled back on any error."""
        session = self.sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
        if session.info.pop(feed_outbox.COMMITTED, False):
            from woo.services import feeds

            feeds.bump_version(self)  # web processes drop what they serve from memory (woo.web.harvest)
            feeds.schedule(self)  # a published document changed: rewrite its sitemap page


def build_context(settings: Settings, store: ObjectStore | None = None,
                  queue: JobQueue | None = None) -> Context:
    store = store or S3ObjectStore.from_settings(settings)
    if queue is None:
        queue = InlineQueue() if settings.jobs_inline else RqQueue(settings.redis_url)
    ctx = Context(settings, session_factory(settings.database_url), store, queue)
    if settings.jobs_inline:
        use_for_jobs(ctx)  # inline jobs run with this very context
    return ctx


# The context the job entry points (woo.worker, and any other rq entry point) run with in this process. It
# lives here, below the worker, so the service layer never imports the worker that calls it: the worker (or
# a test, a benchmark, inline mode above) registers a context, and the entry points ask for it.
_JOBS_CONTEXT: Context | None = None


def use_for_jobs(ctx: Context | None) -> None:
    """Run the jobs of this process with ``ctx`` (in-process workers: tests, inline mode); None: forget it."""
    global _JOBS_CONTEXT
    _JOBS_CONTEXT = ctx


def jobs_context() -> Context:
    """The registered context, else one built once from the environment (a worker process)."""
    global _JOBS_CONTEXT
    if _JOBS_CONTEXT is None:
        from woo.config import load_settings

        _JOBS_CONTEXT = build_context(load_settings())
    return _JOBS_CONTEXT


@dataclass(frozen=True)
class Actor:
    """Who acts: a user, an API token or the system. Recorded on every event."""
    kind: str  # user / token / system
    id: int | None
    name: str

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.name}"


SYSTEM = Actor("system", None, "woo")
