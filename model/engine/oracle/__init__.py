"""The oracle the vectorised engine is tested and benchmarked against: the per-replication
reference engine (with the SimPy rollout)."""
