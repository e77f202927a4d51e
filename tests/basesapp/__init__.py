"""Story 3's criteria, with multi-table inheritance; see tests/test_autodetector_e2e.py."""
