"""Stored documents (uploads, letters as sent): files outside the web root under random names with their SHA-256,
behind one small storage interface so a shared volume or an object store can replace the local directory."""
