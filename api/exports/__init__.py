"""Exports for oversight: complaints as CSV or JSON Lines, and the change feed of every audit
event. Streamed in constant memory; scoped by `complaints.selectors.complaints_visible_to`.
Documented for their users in docs/ombudsman.md."""
