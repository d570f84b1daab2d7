"""The month's stories, played once each: a story whose customer is already in the contacts is left
alone, so a second run plays none."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Q

from demo.seed import stories_lima, stories_norte, stories_queue
from demo.seed.chat import Chat, contact_for_story
from demo.seed.context import SeedContext
from demo.seed.sales import purchase_in_shop
from demo.seed.script import Story
from demo.seed.stamps import chat_date_back
from leads.models import Contact

STORIES: tuple[Story, ...] = stories_lima.STORIES + stories_norte.STORIES + stories_queue.STORIES


def story_phones() -> set[str]:
    """The stories' phones, kept out of the contact book."""
    return {story.person.phone for story in STORIES if story.person.phone}


def _played(story: Story) -> bool:
    person = story.person
    identity = Q(phone=person.phone) if person.phone else Q(instagram_id=person.instagram_id)
    return Contact.objects.filter(identity).exists()


def stories_play(ctx: SeedContext) -> int:
    """Play the stories not played yet; how many were played."""
    played = 0
    for story in STORIES:
        if _played(story):
            continue
        with transaction.atomic():
            contact = contact_for_story(story)
            sold = [purchase_in_shop(ctx, contact, purchase) for purchase in story.history]
            if sold:  # a customer since before their first purchase
                contact.created_at = min(sold) - timedelta(days=3)
                Contact.objects.filter(pk=contact.pk).update(created_at=contact.created_at,
                                                             updated_at=max(sold))
            chat = Chat(ctx, story, contact)
            chat.play()
            chat_date_back(chat)
        played += 1
    return played
