"""The kernel manager `kpi-workbook serve` gives Voilà: culling that never hits a page still loading.

Voilà hands a page a preheated kernel that may have been idle for hours. jupyter-server's culler
shuts down a kernel that is idle longer than ``cull_idle_timeout`` and has no connection — which
such a kernel is for the seconds between the page being sent and its JavaScript connecting. So a
page could lose its kernel before it ever drew a widget. This manager culls a kernel only once a
page has been connected to it (seen at a cull check) and has gone, or when no page connected
within ``unclaimed_grace`` seconds (a page closed while loading). Voilà's own pool keeps its
preheated kernels out of culling.

Imported only by the Voilà process (``--VoilaConfiguration.multi_kernel_manager_class``).
"""

from __future__ import annotations

import time
from typing import Any

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from traitlets import Float


class ServeKernelManager(AsyncMappingKernelManager):
    """AsyncMappingKernelManager whose culler spares kernels no page has connected to yet."""

    unclaimed_grace = Float(
        120.0,
        config=True,
        help="Seconds a kernel handed to a page may wait for the page to connect before it is culled.",
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._claimed: set[str] = set()
        self._unclaimed_since: dict[str, float] = {}

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        if kernel_id in self:
            if self.kernel_model(kernel_id).get("connections", 0):
                self._claimed.add(kernel_id)
            elif kernel_id not in self._claimed:
                since = self._unclaimed_since.setdefault(kernel_id, time.monotonic())
                if time.monotonic() - since < self.unclaimed_grace:
                    return
        await super().cull_kernel_if_idle(kernel_id)

    async def shutdown_kernel(self, kernel_id: str, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        self._claimed.discard(kernel_id)
        self._unclaimed_since.pop(kernel_id, None)
        await super().shutdown_kernel(kernel_id, *args, **kwargs)
