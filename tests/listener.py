"""A loopback TCP listener for tests that check who connects: the hostile corpus must make no
connection at all, and the query tests need an endpoint that answers, or one that holds the
connection open and says nothing.

Example: ``with contextlib.closing(Listener()) as l: ...; assert l.connections == 0``
"""
from __future__ import annotations

import socket
import threading


class Listener:
    """A loopback TCP listener: counts connections; ``answer=False`` holds them open, silent."""

    def __init__(self, answer: bool = True):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.answer, self.connections, self.held, self._stop = answer, 0, [], False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sparql"

    def _run(self):
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            if self.answer:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
                             b"Content-Length: 60\r\n\r\n" + b'{"head":{"vars":["s"]},"results":{"bindings":[]}}'.ljust(60))
                conn.close()
            else:
                self.held.append(conn)

    def close(self):
        self._stop = True
        self.thread.join(2)
        for c in self.held:
            c.close()
        self.sock.close()
