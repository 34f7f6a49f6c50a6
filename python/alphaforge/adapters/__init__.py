"""Venue adapters: each speaks one exchange's wire protocol to the live node."""
