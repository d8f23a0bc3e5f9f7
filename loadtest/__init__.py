"""The load test: locustfile.py (the journeys), azure-load-test.yaml (Azure Load Testing's
configuration and the failure criteria), and `python -m loadtest`, which runs the same file
against the app on this machine and applies the same criteria (docs/benchmarks.md, "Load
test"). Never deployed (.funcignore)."""
