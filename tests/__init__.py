"""DreamChat's tests: one package, so `tests.conftest` is the same module pytest loads as the conftest."""
