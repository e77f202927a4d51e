"""Labeled synthetic schemas: a yardstick for duplicate-model detection."""
