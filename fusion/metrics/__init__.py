"""Objective image-fusion quality metrics, exactly as the RFN-Nest paper's reference code computes them.

See :mod:`fusion.metrics.registry` for the names and order of the table columns and
``docs/metrics.md`` for every definition and where it departs from the textbook.
"""
