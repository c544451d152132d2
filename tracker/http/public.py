"""Deny by default: the app-wide login check lets a view through without login only when it carries this mark."""
from __future__ import annotations


def public(view):
    """Mark a view as reachable without login (login page, invitation link, health checks, the applicant's status
    page)."""
    view.is_public = True
    return view
