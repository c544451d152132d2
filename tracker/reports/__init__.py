"""Reports for team leads and the ministry, and the public statistics page: figures computed from case events and
timers (lead times, share decided in time), never from a second store of truth."""
