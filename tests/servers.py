"""Real S3, Redis and PostgreSQL for the test session (tests/conftest.py starts them once).

All three boot at the same time (about 1 s in all) and die with the test process even if it is
killed. Use one bucket per session and a unique key prefix per test: SeaweedFS spends ~200 ms on the
first write into each new bucket.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from woo.embedded.servers import PostgresServer, RedisServer, S3Server

ACCESS_KEY = "woo-test"
SECRET_KEY = "woo-test-secret-key"


@dataclass
class TestServers:
    __test__ = False  # not a test class, whatever pytest thinks of the name

    s3: S3Server
    redis: RedisServer
    postgres: PostgresServer

    def env(self, bucket: str = "woo-test") -> dict[str, str]:
        """The WOO_* settings pointing at these servers (see woo.config.ENVIRONMENT)."""
        return {
            "WOO_S3_ENDPOINT": self.s3.endpoint,
            "WOO_S3_ACCESS_KEY": self.s3.access_key,
            "WOO_S3_SECRET_KEY": self.s3.secret_key,
            "WOO_S3_BUCKET": bucket,
            "WOO_REDIS_URL": self.redis.url,
            "WOO_DATABASE_URL": self.postgres.url,
        }

    def stop(self) -> None:
        for server in (self.postgres, self.redis, self.s3):
            server.stop()


def start_test_servers(tmp_root: Path) -> TestServers:
    """Start S3, Redis and PostgreSQL under ``tmp_root`` (logs there too); call ``stop()`` at the end."""
    tmp_root = Path(tmp_root)
    servers = TestServers(
        s3=S3Server(tmp_root / "s3", access_key=ACCESS_KEY, secret_key=SECRET_KEY),
        redis=RedisServer(tmp_root / "redis"),
        postgres=PostgresServer(tmp_root / "postgres"),
    )
    started = []
    try:
        for server in (servers.s3, servers.redis, servers.postgres):  # spawn all, then wait: they boot in parallel
            server.spawn()
            started.append(server)
        for server in started:
            server.wait_ready()
    except BaseException:
        for server in started:
            server.stop()
        raise
    return servers
