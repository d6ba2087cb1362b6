"""The chaos run: platform events against connected organisations while the simulator fails calls in every way and
sidecars are killed, then a drain, then the hub's books held against Xero's (the test runs a small one; bench/chaos.py
a bigger one with the same table)."""
