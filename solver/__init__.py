"""Training: update rules (optim), the Solver, its minibatches, checkpoints and plots.

    from solver import Solver, minibatches

solver.plots (matplotlib) is imported only where it is used.
"""
from solver.batches import minibatches
from solver.solver import Solver, TrainingDiverged

__all__ = ["Solver", "TrainingDiverged", "minibatches"]
