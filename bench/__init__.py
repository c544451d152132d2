"""Benchmarks on PostgreSQL (``make bench``, or ``.venv/bin/python -m bench [--quick] [--keep]``).

They print figures and compare them with the goals; they are not tests and never fail a build. See
``bench/__main__.py`` for what is measured and ``bench/measure.py`` for how.
"""
