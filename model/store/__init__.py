"""Output files: atomic output folders, manifests, run files and the calibration fit cache."""
