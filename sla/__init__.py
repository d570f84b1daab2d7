"""Business hours and holidays per team, the out-of-office answer, and the first-response
service level of conversations per priority."""
