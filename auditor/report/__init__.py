"""Outputs rendered from an AuditResult only: HTML report and Markdown summary."""
