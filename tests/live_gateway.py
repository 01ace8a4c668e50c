"""The gateway on a real socket (uvicorn in a thread of the test's process), for the openai SDK and streaming."""

from __future__ import annotations

import httpx

from gateway.app import FeedgateApp
from gateway.demo.threaded_server import ThreadedServer


class LiveGateway(ThreadedServer):
    """The gateway on a real socket, for the openai SDK and streaming."""

    app: FeedgateApp

    @property
    def url(self) -> str:
        """The base_url an app would use."""
        return self.origin + "/v1"

    def flush(self) -> None:
        """Wait until every interaction so far is stored."""
        self.run_coroutine(self.app.services.writer.flush())

    def interaction(self, interaction_id: str) -> dict:
        """One stored interaction, through the admin API (with the gateway's own admin token)."""
        self.flush()
        response = httpx.get(
            f"{self.origin}/api/interactions/{interaction_id}",
            headers={"authorization": f"Bearer {self.app.services.settings.admin_token}"},
        )
        assert response.status_code == 200, response.text
        return response.json()
