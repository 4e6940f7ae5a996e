"""The Voilà application `kpi-workbook serve` starts: closed to other web sites and to the network.

Voilà 0.5 answers any ``Host`` header (it sets jupyter-server's ``allow_remote_access``), so a web
page the analyst visits could point its own host name at 127.0.0.1 (DNS rebinding) and read every
dashboard, kernel websocket included. :class:`KpiVoila` answers only requests whose ``Host`` is a
local name (``localhost``, ``127.0.0.1``, ``[::1]``), the address it is bound to, or a name the
agency allowed (``--KpiVoila.allowed_hosts``, from ``serve_hosts`` in params/_agency.yaml or
``kpi-workbook serve --allow-host``); every other request gets 403 before any handler runs.

It refuses to start on a non-local address without a token, and takes the token from the
environment (:data:`TOKEN_ENV`), never from its command line (which every user sees in ``ps``).

Imported only by the Voilà process (``python -m kpi_helpers.run.voila_app``).
"""

from __future__ import annotations

import os
from typing import Any

from tornado import httputil, web
from tornado.routing import Matcher, Rule
from traitlets import List, Unicode
from voila.app import Voila

from kpi_helpers.run.serve import TOKEN_ENV, allowed_host_names, host_name, is_local_address


class _ForeignHost(Matcher):
    """Matches a request whose Host header names none of the allowed hosts."""

    def __init__(self, allowed: frozenset[str]):
        self.allowed = allowed

    def match(self, request: httputil.HTTPServerRequest) -> dict[str, Any] | None:
        return None if host_name(request.host or "") in self.allowed else {}


class _RefuseHost(web.RequestHandler):
    def prepare(self) -> None:
        raise web.HTTPError(403, reason="Host not allowed")


class KpiVoila(Voila):
    """Voilà that answers only allowed Host names and needs a token on a non-local address."""

    name = "kpi-voila"
    allowed_hosts = List(
        Unicode(), config=True, help="Host names besides localhost, 127.0.0.1 and [::1] the pages may be reached at."
    )

    def initialize(self, argv: Any = None) -> None:
        super().initialize(argv)
        token = os.environ.pop(TOKEN_ENV, "").strip()  # popped: the kernels this process starts never see it
        if token:
            self.token = token
        if not is_local_address(self.ip) and not self.token:
            self.log.critical(
                "Refusing to listen on %s without a token: set %s (or use --token-file).", self.ip, TOKEN_ENV
            )
            self.exit(2)

    def host_guard(self) -> Rule:
        """The first rule of the web app's router: a foreign Host header gets 403."""
        return Rule(_ForeignHost(allowed_host_names(self.ip, self.allowed_hosts)), _RefuseHost)

    def listen(self) -> None:
        router = self.app.default_router
        router.rules.insert(0, router.process_rule(self.host_guard()))
        super().listen()


main = KpiVoila.launch_instance

if __name__ == "__main__":
    main()
