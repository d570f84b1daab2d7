"""Automation rules: when an event happens and its conditions hold, run actions; every run logged."""
