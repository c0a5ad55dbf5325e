"""Analyses over the engine (paired comparison, latest opening, sensitivity, discovery,
closed Sobol' indices of input groups); they return data and write nothing."""
