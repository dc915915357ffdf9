"""Crash-before-commit, shared by Faust agents and plain aiokafka consumers."""

from __future__ import annotations

import logging
import os

log = logging.getLogger(__name__)


def crash_process(exc: BaseException) -> None:
    """Die without committing: the unprocessed record is redelivered after the restart.

    A graceful shutdown could commit the offset of the record that failed (Faust acks a
    message whose agent raised), so the process exits at once instead.
    """
    log.critical("unexpected error, crashing before commit: %r", exc, exc_info=exc)
    logging.shutdown()
    os._exit(70)
