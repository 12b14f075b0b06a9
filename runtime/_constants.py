"""Every default of the runtime, in one place.

All waits are finite by default: a user who wants "forever" must say so explicitly.
"""

from __future__ import annotations

# -- timeouts (seconds) ---------------------------------------------------------------
CONNECT_TIMEOUT = 10.0
"""TCP/TLS connect."""
READ_TIMEOUT = 60.0
"""Ordinary request/response reads (config, join, upload answer, cancel)."""
WRITE_TIMEOUT = 60.0
POOL_TIMEOUT = 60.0
STREAM_IDLE_TIMEOUT = 45.0
"""No byte at all on the session stream for this long means it is dead. The server sends a
heartbeat every 15 s (GRADIO_HEARTBEAT_INTERVAL), so 3x that is a safe bound."""
JOB_TIMEOUT = 600.0
"""Default upper bound for a blocking call / ``Job.result()`` when the caller gives none."""

# -- retries --------------------------------------------------------------------------
MAX_RETRIES = 2
"""Retries after the first attempt, only where a retry cannot run the app twice."""
INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
RETRY_JITTER = 0.25
"""Fraction of the delay added or removed at random."""
RETRY_STATUS_CODES = frozenset({429, 502, 503, 504})

# -- connection pool ------------------------------------------------------------------
MAX_CONNECTIONS = 10
MAX_KEEPALIVE_CONNECTIONS = 10

# -- protocol -------------------------------------------------------------------------
SUPPORTED_PROTOCOLS = frozenset({"ws", "sse", "sse_v1", "sse_v2", "sse_v2.1", "sse_v3"})
"""Every queue protocol the runtime speaks (``_protocol._dialect``); a 3.x config has none (ws)."""
DEFAULT_API_PREFIX = "/gradio_api"
FILE_DATA_TYPE = "gradio.FileData"

# -- drift safety ---------------------------------------------------------------------
LIVE_RECHECK_AFTER = 10.0
"""A check of the live app's mapping (``_client._live``) is trusted this long; the next join
after it first asks the app whether it is still the same process (``GET {api}/app_id``, a
few bytes) and fetches ``/config`` again only if not."""

# -- files ----------------------------------------------------------------------------
UPLOAD_CHUNK_SIZE = 1 << 20
DOWNLOAD_CHUNK_SIZE = 1 << 20

# -- Hugging Face Hub -----------------------------------------------------------------
HF_ENDPOINT = "https://huggingface.co"
"""Overridden by the ``HF_ENDPOINT`` environment variable."""
SPACE_WAKE_TIMEOUT = 300.0
SPACE_POLL_INITIAL = 1.0
SPACE_POLL_MAX = 10.0
SPACE_REWAKE_INTERVAL = 30.0
"""A Space still asleep this long after a wake-up visit gets another visit."""
SPACE_VISIT_TIMEOUT = 10.0
"""Bound on the wake-up request to a sleeping Space's host (its answer is not needed)."""
DUPLICATE_SLEEP_TIME = 300
MAX_HUB_REDIRECTS = 5
"""Same-origin redirects followed on Hub API calls (a renamed Space redirects to its new id)."""
"""Sleep time (seconds) set on a new duplicate running on paid hardware, unless told otherwise."""

USER_AGENT_PREFIX = "gradio-gen"
LOGGER_NAME = "gradio_gen"
