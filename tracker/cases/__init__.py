"""Cases: the instances of a procedure, their documents and internal notes, and the clerk workspace."""
