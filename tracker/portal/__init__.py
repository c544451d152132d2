"""The portal: pages for employers, applicants (no account: reference and access code) and ThAFF advisors.

An interface beside ``tracker.web`` over the same domain: every page reads through ``cases.access`` (the one access
rule) and every change goes through the service verbs of ``tracker.cases``, exactly as the clerk workspace does."""
