"""Every API error is JSON: DRF's own, a 503 while the database is unreachable,
and a 500 for anything else."""

from __future__ import annotations

import logging

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from newsroom.views import DATABASE_UNAVAILABLE, RETRY_AFTER_SECONDS

logger = logging.getLogger(__name__)


def exception_handler(exc: Exception, context: dict) -> Response:
    """REST_FRAMEWORK's EXCEPTION_HANDLER: DRF's answer when it has one."""
    response = drf_exception_handler(exc, context)
    if response is not None:
        return response
    set_rollback()
    request = context["request"]
    if isinstance(exc, DATABASE_UNAVAILABLE):
        logger.warning("Database unavailable for %s: %s", request.path, exc)
        return Response(
            {"detail": "The service is briefly unavailable; try again shortly."},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    logger.error("Unhandled error for %s", request.path, exc_info=exc)
    return Response(
        {"detail": "Server error."}, status=status.HTTP_500_INTERNAL_SERVER_ERROR
    )
