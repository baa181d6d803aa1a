import pytest
from fake_cifar import write_fake_cifar


@pytest.fixture
def fake_cifar_folder(tmp_path, rng):
    """A folder of six tiny batches (4 rows each, 3 in test_batch) and what they hold."""
    folder = tmp_path / "cifar-10-batches-py"
    return folder, write_fake_cifar(folder, rng)
