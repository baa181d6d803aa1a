"""summary(): exact shapes, exact parameter counts, cache bytes and totals."""
import numpy as np
import pytest

from layers import affine, relu
from nets import ThreeLayerConvNet, TwoLayerNet
from nets.graph import Graph


def test_three_layer_convnet_rows_and_totals():
    table = ThreeLayerConvNet(seed=0).summary((2, 3, 32, 32))
    rows = {row.node: row for row in table.rows}
    assert [row.node for row in table.rows] == [
        "conv1", "relu1", "max_pool1", "affine1", "relu2", "affine2"]
    assert {name: row.params for name, row in rows.items()} == {
        "conv1": 32 * 3 * 7 * 7 + 32, "relu1": 0, "max_pool1": 0,
        "affine1": 32 * 16 * 16 * 100 + 100, "relu2": 0, "affine2": 100 * 10 + 10}
    assert table.total_params == 825_046
    assert rows["conv1"].shape == (2, 32, 32, 32) and rows["max_pool1"].shape == (2, 32, 16, 16)
    assert rows["conv1"].inputs == "X, W1, b1" and rows["relu1"].layer == "relu"
    # relu1 keeps only the mask conv1's output > 0, one byte per entry.
    assert rows["relu1"].cache_bytes == 2 * 32 * 32 * 32 * 1
    assert rows["affine1"].cache_bytes == 2 * 32 * 16 * 16 * 4  # it keeps max_pool1's output
    assert table.total_cache_bytes == sum(row.cache_bytes for row in table.rows)


def test_the_printed_table_shows_every_node_and_the_totals():
    text = str(TwoLayerNet(input_dim=6, hidden_dim=5, num_classes=3, seed=0).summary((4, 6)))
    assert "input X (4, 6)" in text
    for expected in ("node", "output shape", "affine1", "X, W1, b1", "(4, 5)", "relu1",
                     "affine2", "(4, 3)", "total params 53,"):
        assert expected in text, text
    assert repr(TwoLayerNet(input_dim=6, hidden_dim=5, num_classes=3).summary((4, 6))) == text


def test_a_shared_parameter_is_counted_once():
    net = Graph(input_shape=(3,))
    net.param("W", np.ones((3, 3)))
    net.param("b", np.zeros(3), decay=False)
    h = net.add(relu, x=net.add(affine, x="X", w="W", b="b"))
    net.add(affine, x=h, w="W", b="b")
    table = net.summary()
    assert [row.params for row in table.rows] == [12, 0, 0]
    assert table.total_params == 12 and table.input_shape == (1, 3)


def test_summary_needs_an_input_shape():
    with pytest.raises(ValueError, match="shape inference needs an input shape"):
        Graph().summary()


def test_a_graph_of_integer_ids_is_summarized_on_a_real_batch():
    from nets import CharLM
    model = CharLM(vocab_size=7, wordvec_dim=4, hidden_dim=5, cell="rnn", seed=0)
    table = model.summary(X=np.zeros((2, 3), dtype=int))
    assert [row.shape for row in table.rows] == [(2, 3, 4), (2, 5), (2, 3, 5), (2, 3, 7)]
    assert table.total_params == 7 * 4 + 4 * 5 + 5 * 5 + 5 + 5 * 7 + 7
