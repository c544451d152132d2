"""Who takes part in a case: offices, employers, applicants, and the advisors who accompany employers."""
