"""A real SMTP server on 127.0.0.1 for the tests and the digest benchmark (aiosmtpd), which keeps what it
receives and can refuse chosen recipients at RCPT, as a real mail server does."""
from __future__ import annotations

import email
import email.policy
import socket
import threading
from dataclasses import dataclass, field


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    peer: tuple
    recipients: list[str]
    raw: bytes

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)

    def part(self, subtype: str) -> str:
        return self.message.get_body(preferencelist=(subtype,)).get_content()


@dataclass
class Inbox:
    """The aiosmtpd handler: ``refuse`` maps an address to the reply it gets at RCPT ("550 ...", "451 ...");
    ``keep=False`` only counts (the benchmark's sink)."""
    keep: bool = True
    messages: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    rcpt_attempts: dict[str, int] = field(default_factory=dict)
    count: int = 0
    peers: set = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            self.rcpt_attempts[address] = self.rcpt_attempts.get(address, 0) + 1
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            self.peers.add(session.peer)
            if self.keep:
                self.messages.append(Received(session.peer, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address in m.recipients]


class SmtpServer:
    """``with SmtpServer() as smtp: smtp.port, smtp.inbox``"""

    def __init__(self, keep: bool = True):
        from aiosmtpd.controller import Controller

        self.inbox = Inbox(keep=keep)
        self.port = free_port()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> "SmtpServer":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()
