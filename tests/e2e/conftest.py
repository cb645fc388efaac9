"""End-to-end tests: real sandbox stores, real adapters, the real daemon cycle."""
