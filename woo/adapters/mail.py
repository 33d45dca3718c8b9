"""Sending mail through the configured SMTP server (WOO_SMTP_*): one connection for a batch of messages, or
a few at once (``MailerPool``, WOO_SMTP_CONNECTIONS) for a digest run.

``Mailer.send`` tells what happened to one message: delivered to the server, refused for good (5xx at
RCPT/DATA: the address bounces) or refused for now (4xx, or the connection failed: retry later). The
caller decides what that means for a subscription (woo.services.subscriptions).
"""
from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

SENT, PERMANENT, TRANSIENT = "sent", "permanent", "transient"
TIMEOUT = 30


class MailNotConfigured(RuntimeError):
    """No WOO_SMTP_HOST: nothing can be sent."""


@dataclass
class Outcome:
    status: str                 # sent / permanent / transient
    code: int | None = None
    reply: str = ""             # the server's answer (may name the address: the caller scrubs it)


class Mailer:
    """``with Mailer(settings) as m: m.send(msg)``: connects on the first message, reconnects after a
    dropped connection, QUITs at the end."""

    def __init__(self, settings):
        if not settings.smtp_host:
            raise MailNotConfigured("Er is geen SMTP-server ingesteld (WOO_SMTP_HOST).")
        self.settings = settings
        self.conn: smtplib.SMTP | None = None

    def __enter__(self) -> "Mailer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        conn = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=TIMEOUT)
        conn.ehlo()
        if s.smtp_starttls:
            conn.starttls(context=ssl.create_default_context())
            conn.ehlo()
        if s.smtp_user:
            conn.login(s.smtp_user, s.smtp_password)
        return conn

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.quit()
            except (smtplib.SMTPException, OSError):
                self.conn.close()
            self.conn = None

    def send(self, msg: EmailMessage | bytes, recipient: str) -> Outcome:
        """One message to one recipient; ``msg`` as an EmailMessage or as finished MIME bytes (CRLF)."""
        for attempt in (1, 2):  # a server that dropped an idle connection gets one fresh one
            try:
                if self.conn is None:
                    self.conn = self._connect()
                if isinstance(msg, bytes):
                    self.conn.sendmail(self.settings.smtp_from, [recipient], msg)
                else:
                    self.conn.send_message(msg, from_addr=self.settings.smtp_from, to_addrs=[recipient])
                return Outcome(SENT)
            except smtplib.SMTPRecipientsRefused as exc:
                code, reply = next(iter(exc.recipients.values()), (None, b""))
                return self._refused(code, reply)
            except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
                self._reset()
                return self._refused(exc.smtp_code, exc.smtp_error)
            except smtplib.SMTPAuthenticationError as exc:
                self.close()
                return Outcome(TRANSIENT, exc.smtp_code, _text(exc.smtp_error))  # configuration: try again later
            except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError, smtplib.SMTPException) as exc:
                self._drop()
                if attempt == 2:
                    return Outcome(TRANSIENT, None, str(exc))
        return Outcome(TRANSIENT)

    def _refused(self, code, reply) -> Outcome:
        return Outcome(PERMANENT if code and 500 <= int(code) < 600 else TRANSIENT, code, _text(reply))

    def _reset(self) -> None:
        try:
            self.conn.rset()
        except (smtplib.SMTPException, OSError, AttributeError):
            self._drop()

    def _drop(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            except OSError:
                pass
        self.conn = None


class MailerPool:
    """``size`` Mailers (SMTP connections) used at once by as many threads: ``send_all`` sends a list of
    (message, recipient) and answers their Outcomes in the same order. The connections stay open across
    calls and are QUIT at the end."""

    def __init__(self, settings, size: int = 1):
        self.size = max(1, int(size or 1))
        self.mailers = [Mailer(settings) for _ in range(self.size)]
        self._pool = None

    def __enter__(self) -> "MailerPool":
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        for m in self.mailers:
            m.close()

    def send_all(self, messages: list[tuple[EmailMessage | bytes, str]]) -> list[Outcome]:
        if self.size == 1 or len(messages) <= 1:
            return [self.mailers[0].send(msg, to) for msg, to in messages]
        from concurrent.futures import ThreadPoolExecutor

        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.size, thread_name_prefix="woo-smtp")
        # connection k sends messages k, k+size, ...: each Mailer is used by one thread at a time
        chunks = [messages[k::self.size] for k in range(self.size)]
        answers = list(self._pool.map(lambda k: [self.mailers[k].send(m, to) for m, to in chunks[k]],
                                      range(self.size)))
        out: list[Outcome] = [None] * len(messages)  # type: ignore[list-item]
        for k, outcomes in enumerate(answers):
            out[k::self.size] = outcomes
        return out


def _text(reply) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply or "")
