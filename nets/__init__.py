"""Nets: the computational graph engine and ready-made nets built on it."""
