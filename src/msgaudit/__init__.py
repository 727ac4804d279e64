"""msgaudit: audit business messaging exports for privacy compliance.

The flow runs one way: ingest → canonical tables → rules → findings → report.
"""

__version__ = "0.1.0"
