"""Writes of the conversations domain, split by concern: accounts, ingest, inbound, outbound, inbox."""
