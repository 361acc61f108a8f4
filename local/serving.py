"""A WSGI application of the local stack served on a daemon thread: what the local API Gateway and
the local console have in common (they answer different requests, on ports of their own)."""

from __future__ import annotations

import threading

from werkzeug.serving import BaseWSGIServer, make_server


class ServedInBackground:
    """Mixed into a WSGI application (a class with ``__call__``): ``start`` serves it, ``port`` is
    the port it got (0 asks for a free one), ``stop`` closes it."""

    thread_name = "local-server"
    _server: BaseWSGIServer | None = None

    def start(self, host: str, port: int) -> None:
        self._server = make_server(host, port, self, threaded=True)  # type: ignore[arg-type]
        threading.Thread(target=self._server.serve_forever, daemon=True, name=self.thread_name).start()

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_port)

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
