"""Broadsheet: a news publishing platform where readers talk back."""
