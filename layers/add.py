"""Add, the join of two graph branches (a residual connection):  out = a + b

Local gradients:  d out/d a = 1,  d out/d b = 1,  so  da = dout  and  db = dout.
The same upstream array goes to both inputs; the graph never writes it in place.
Shapes: a and b the same shape (no broadcasting); out, da and db like them.
"""
from layers._checks import check_array, fail

INPUTS = ("a", "b")
PARAMS = ()


def _check(a, b):
    check_array("add", "a", a)
    check_array("add", "b", b)
    if a.shape != b.shape:
        # Broadcasting would make db a different shape from b, so it is refused.
        fail("add", f"a has shape {a.shape} but b has shape {b.shape}; "
                    "add joins two values of the same shape")


def forward(a, b):
    _check(a, b)
    return a + b, None


def backward(dout, cache):
    return dout, dout
