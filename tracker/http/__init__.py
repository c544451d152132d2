"""What every door (the clerk workspace ``tracker.web``, the portal, the API, the operations endpoints) shares and
none may own: the one unit of work per request, the public-view marker of the deny-by-default login check, and the
base form that refuses control characters and implausible values."""
