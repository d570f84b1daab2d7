"""What ``seed_demo`` is made of, one concern a module.

- ``context``: the run's clock, users, channel accounts, catalog by SKU (``SeedContext``);
- ``catalog``: operators, plans, phones and accessories, quick replies, commission rules;
- ``people``: the demo logins (``DEMO_USERS``) and the contact book (``--contacts``);
- ``channels``: the channel accounts (the environment's, else the demo's own, without credentials);
- ``script``: the little language of the stories; ``stories_lima``, ``stories_norte``, ``stories_queue``:
  the month's stories, as data;
- ``chat``: plays a story through the product's services; ``stamps``: dates it back; ``media``: the
  pictures sent in chats;
- ``conversations``: plays the stories not played yet; ``sales``: purchases before the month;
  ``agreements``: collections and the collectors' work (actions, promises, next steps); ``tickets``: ticket
  categories and tickets in every state (the AI's complaint tickets through the escalation path);
  ``internal_chat``: the team room, a direct chat and an announcement; ``reset``: ``--reset``; ``report``: the
  counts printed.
"""
