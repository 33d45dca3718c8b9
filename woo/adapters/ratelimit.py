"""A fixed-window request limit in Redis, shared by every web worker (the open JSON API uses it).

One atomic step per request (MULTI: SET NX with the window as expiry, INCR, TTL), so however many requests
arrive at once no more than ``limit`` per window get through. If Redis cannot be reached the limit lets the
request through: the open data stays readable rather than everyone being locked out.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset: int  # seconds until the window ends


class RateLimit:
    def __init__(self, redis, name: str, limit: int, window: int = 60):
        self.redis, self.name, self.limit, self.window = redis, name, limit, window

    def _key(self, client: str) -> str:
        return f"woo:ratelimit:{self.name}:" + hashlib.sha256(client.encode()).hexdigest()

    def hit(self, client: str) -> Verdict:
        if self.limit <= 0:  # 0 = no limit
            return Verdict(True, 0, 0, 0)
        try:
            key = self._key(client or "-")
            pipe = self.redis.pipeline(transaction=True)
            pipe.set(key, 0, ex=self.window, nx=True)
            pipe.incr(key)
            pipe.ttl(key)
            _, count, ttl = pipe.execute()
            count, ttl = int(count), max(1, int(ttl))
            return Verdict(count <= self.limit, self.limit, max(0, self.limit - count), ttl)
        except Exception:  # noqa: BLE001 - Redis down: fail open, see the module docstring
            return Verdict(True, self.limit, self.limit, self.window)


__all__ = ["RateLimit", "Verdict"]
