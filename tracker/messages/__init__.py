"""The message thread of a case: employer users, advisors and the applicant write to the office holding the case
and its clerks answer. Not internal notes: everything here is read by the parties of the case."""
