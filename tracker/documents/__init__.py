"""Documents parties send: uploads of requested checklist items, checked by content (``inspection``), stored outside
the web root under random names with their SHA-256 behind one small storage interface (``storage``), received into
the case through the case verbs (``uploads``) and handed out only as attachments (``downloads``)."""
