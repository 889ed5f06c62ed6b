from __future__ import annotations

from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = "API partners"

    def ready(self) -> None:
        from corsheaders.signals import check_request_enabled

        # Registers the Api-Key scheme with drf-spectacular; webhooks listen
        # to the stories' signals (partners.receivers).
        from partners import receivers, schema  # noqa: F401
        from partners.cors import cors_allowed_for_partner

        check_request_enabled.connect(
            cors_allowed_for_partner, dispatch_uid="partners.cors"
        )
