"""Training: update rules (optim), the Solver, loss-curve plots and the command line."""
