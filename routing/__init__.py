"""Who gets a conversation: assignment policies per team or number, skills, capacity, and
unanswered assignments that go back to the queue (shared/DESIGN.md, issue 17)."""
