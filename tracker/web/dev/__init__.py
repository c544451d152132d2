"""Pages for developers, registered only outside production (``TRACKER_ENV`` is not ``production``)."""
