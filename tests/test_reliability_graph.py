"""Issue 19, the graph: a node whose backward returns too few gradients (zip used to
truncate them, leaving zeros), too many, None, or one of the wrong shape (a (1,) db used to
update every entry of a (3,) b alike) is refused with a ValueError naming the node, the
argument and the shapes; check_model turns it into a culprit with a hint."""
import numpy as np
import pytest

from gradcheck import check_model
from gradcheck.bugzoo import mutate
from layers import affine, relu
from nets.graph import Graph


def _net(rng, middle=affine):
    """X (4, 3) - affine1 - relu1 - <middle> (w (3, 3), b (3,)) - scores (4, 3)."""
    net = Graph()
    net.param("W1", rng.standard_normal((3, 3)))
    h = net.add(relu, x=net.add(affine, x="X", w="W1", b=net.param("b1", np.zeros(3),
                                                                      decay=False)))
    net.param("W2", rng.standard_normal((3, 3)))
    net.add(middle, x=h, w="W2", b=net.param("b2", np.zeros(3), decay=False), name="scores")
    return net, rng.standard_normal((4, 3)), np.array([0, 1, 2, 0])


def _with_backward(change):
    return mutate(affine, backward=lambda dout, cache: change(affine.backward(dout, cache)))


@pytest.mark.parametrize("change, message", [
    (lambda g: g[:2], r"graph: node 'scores': affine\.backward returned 2 gradient\(s\) but "
                      r"expected 3, one for each of x, w, b"),
    (lambda g: (*g, g[0]), r"graph: node 'scores': affine\.backward returned 4 gradient\(s\) "
                           r"but expected 3"),
    (lambda g: (g[0], g[1], g[2].sum(keepdims=True)),
     r"graph: node 'scores': the gradient for b \('b2'\) has shape \(1,\) but b has shape "
     r"\(3,\)"),
    (lambda g: (g[0], g[1].T[:2], g[2]),
     r"graph: node 'scores': the gradient for w \('W2'\) has shape \(2, 3\) but w has shape "
     r"\(3, 3\)"),
    (lambda g: (g[0], None, g[2]), r"graph: node 'scores': the gradient for w \('W2'\) is "
                                   r"None but w has shape \(3, 3\)"),
])
def test_a_wrong_count_or_shape_of_gradients_names_the_node(rng, change, message):
    net, X, y = _net(rng, _with_backward(change))
    with pytest.raises(ValueError, match=message):
        net.loss(X, y)
    with pytest.raises(ValueError, match=message):
        net.gradients(X, np.ones((4, 3)), wrt=("X", "W2", "b2"))


def test_an_unneeded_gradient_may_be_none(rng):
    """A layer told `needs` returns None for what nobody asked: that is not an error."""
    net, X, y = _net(rng, _with_backward(lambda g: (g[0], None, None)))
    net.freeze("W2", "b2")
    _, grads = net.loss(X, y)
    assert set(grads) == {"W1", "b1"}


@pytest.mark.parametrize("change, arg, hint", [
    (lambda g: g[:2], "-", "backward returns 2 gradients: it must return 3, one per INPUT "
                           "and PARAM"),
    (lambda g: (g[0], g[1], g[2].sum(keepdims=True)), "b", "db must have b's shape (3,)"),
    (lambda g: (g[0], g[1], np.broadcast_to(g[2], (4, 3))), "b", "db keeps the batch axis"),
])
def test_check_model_names_the_node_the_graph_refused(rng, change, arg, hint):
    net, X, y = _net(rng, _with_backward(change))
    report = check_model(net, X, y, localize=True)
    assert not report.ok and report.problems
    assert (report.culprit.node, report.culprit.arg) == ("scores", arg)
    assert hint in report.culprit.hint
