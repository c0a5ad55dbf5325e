"""The simulation engine: parameters, rollout, demand, spillovers, simulate, ensemble, targets,
results.  No argparse, no matplotlib, no file output."""
