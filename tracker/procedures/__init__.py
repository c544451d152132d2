"""Pure procedure core: no Flask, no database."""
