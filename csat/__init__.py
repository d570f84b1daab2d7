"""Customer satisfaction: a 1-5 rating asked when a conversation is resolved, and the answers."""
