"""The user's own account: personal API tokens (every logged-in user, staff and employers alike)."""
