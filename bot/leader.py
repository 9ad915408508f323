"""Who this worker is, and (in polling mode on PostgreSQL) whether it is the one that polls.

:func:`worker_name` names the process from its host and process id, for job leases and logs.
"""

from __future__ import annotations

import os
import socket


def worker_name() -> str:
    """This process's name among the workers: ``host:pid``."""
    return f"{socket.gethostname()[:100]}:{os.getpid()}"
