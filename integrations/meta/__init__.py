"""Meta messaging: WhatsApp Cloud API and Instagram Direct.

- ``webhooks``: signature and handshake checks, and webhook bodies turned into ``integrations.base`` events.
- ``client``: ``WhatsAppCloudClient`` and ``InstagramClient``, the ``MessagingClient`` of each channel.

Nothing here imports app models; callers pass credentials, ids and base URLs.
"""
