import numpy as np
import pytest


@pytest.fixture
def rng():
    """One seeded generator per test; never the global numpy random state."""
    return np.random.default_rng(231)
