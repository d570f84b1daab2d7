"""The sandbox: a pretend WhatsApp phone in the browser (``/sandbox/``), spoken to like any other provider.

- ``webhooks``: the signed session token (who the customer is), and the page's posts turned into
  ``integrations.base`` events (``InboundMessage`` for a line the customer typed, ``StatusUpdate`` for
  a read receipt).
- ``client``: ``SandboxClient``, the ``MessagingClient`` whose sends never leave the machine: each one is
  delivered at once and reports its progress through the status path the real providers' callbacks take.

Like the other providers it imports no app models and no Django: callers pass the key and the ids.
"""
