"""Layers: one module per layer, each a paired forward(...) -> (out, cache) and
backward(dout, cache) -> gradients. See ARCHITECTURE.md for the contract."""
import importlib
import pkgutil


def layer_names():
    """Names of every public layer module in this package (not the _private helpers)."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def load(name):
    """The layer module called `name`, e.g. load('conv')."""
    if name not in layer_names():
        raise ValueError(f"no layer called {name!r} (layers: {', '.join(layer_names())})")
    return importlib.import_module(f"layers.{name}")


def short_name(layer):
    """A layer's name without its package: 'relu' for layers.relu (or a copy of it)."""
    # Not every loss layer is a module: an object with loss() may stand in for one.
    return getattr(layer, "__name__", type(layer).__name__).rsplit(".", 1)[-1]
