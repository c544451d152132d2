"""Accounts, roles, login and the object-level access rules."""
