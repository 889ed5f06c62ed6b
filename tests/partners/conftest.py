from __future__ import annotations

import pytest

from tests.partners import receiver as receivers


@pytest.fixture
def webhook_settings(settings):
    """Webhooks sent to 127.0.0.1 over plain HTTP, with short timeouts."""
    settings.WEBHOOK_ALLOW_LOCAL = True
    settings.SITE_URL = "http://testserver"
    settings.WEBHOOK_READ_TIMEOUT = 1
    settings.WEBHOOK_CONNECT_TIMEOUT = 1


@pytest.fixture
def receiver():
    """A partner's HTTP receiver on a free 127.0.0.1 port, stopped after."""
    started = receivers.start()
    yield started
    started.server.shutdown()
    started.server.server_close()
