"""Training: update rules (optim), the Solver, its minibatches, checkpoints and plots.

    from solver import Solver, minibatches

`import solver` leaves matplotlib alone; the plots are in solver.plots.
"""
from solver.batches import minibatches
from solver.solver import Solver, TrainingDiverged

__all__ = ["Solver", "TrainingDiverged", "minibatches"]
