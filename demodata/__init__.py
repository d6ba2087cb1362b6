"""Deterministic, realistic UK/AU/NZ Xero organisations: the simulator's data and the hub's demo overlap by design.

Pure standard library, shared by the simulator (sandbox) and the hub's demo seed (core.demo.seed); it imports neither.
"""
