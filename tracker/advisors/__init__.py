"""ThAFF advisors: an employer's consent that an advisor follows its cases (``service``), and the advisor's overview
across every employer that granted it (``overview``). The grant itself (the model and the day's granting employers)
lives in ``tracker.auth.grants``, below the access rule that reads it."""
