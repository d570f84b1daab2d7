"""The sandbox's web side (``/sandbox/``): the pretend phone's page, its JSON endpoints and its reads.

Writes are in ``conversations.services.sandbox``; the live stream is ``conversations.consumers.SandboxConsumer``;
the provider itself (token, parsing, client) is ``integrations.sandbox``.
"""
