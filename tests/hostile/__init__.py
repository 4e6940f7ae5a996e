"""Builders for hostile and broken inputs (tests/test_hostile_inputs.py, tests/test_isolation.py).

Fixtures are generated in each test's tmp folder rather than committed, so every case shows
its exact bytes in one place and nothing binary (xlsx) lives in the repository.
"""
