"""The reliability suite (issue 11): load with faults, a storage outage, image fuzzing and poison
queue hygiene. `make test` runs the short forms (tests/reliability/test_reliability.py);
`make reliability` runs the long forms and prints the figures kept in docs/reliability.md.
"""
