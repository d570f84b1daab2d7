"""One OpenAI client per process and configuration.

Making an ``openai.OpenAI`` loads the certificate store and builds a connection pool: about 60 ms of
CPU, more than a local analysis of a message. The AI step asks twice per message (analysis and reply),
so clients are kept and shared by the threads of a process (the client is thread-safe).
"""

from __future__ import annotations

import functools

import openai


@functools.lru_cache(maxsize=8)
def openai_client(api_key: str, base_url: str, timeout: float, max_retries: int = 0) -> openai.OpenAI:
    return openai.OpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries)
