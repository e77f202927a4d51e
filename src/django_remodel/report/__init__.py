"""Renderers: turn library results into text, JSON and the like. No I/O here."""
