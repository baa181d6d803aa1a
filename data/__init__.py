"""Datasets as plain numpy arrays: CIFAR-10's format, bundled digits, synthetic sets."""
