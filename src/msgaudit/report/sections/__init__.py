"""The report built section by section: each module turns part of an `AuditResult` into a typed view piece.

A section receives what it needs (already loaded data, a `Lang`, whether to
mask) and returns a pydantic model its template partial prints; it reads no
file and judges nothing the audit did not already decide.
"""
