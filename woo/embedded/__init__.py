"""The embedded stack: real S3 (SeaweedFS), Redis and, for tests, PostgreSQL as child processes."""
from woo.embedded.servers import PostgresServer, RedisServer, S3Server, ServerError

__all__ = ["PostgresServer", "RedisServer", "S3Server", "ServerError"]
