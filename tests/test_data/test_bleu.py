"""data.bleu: clipped precision, brevity penalty, BLEU-1..4 on examples worked by hand
and on nltk's documented example."""
import math

import pytest

from data.bleu import bleu


def test_a_perfect_hypothesis_scores_one():
    assert bleu([["a red circle on the left"]], ["a red circle on the left"]) == [1.0] * 4


def test_clipping_counts_a_word_at_most_as_often_as_a_reference_has_it():
    refs = [["the cat is on the mat", "there is a cat on the mat"]]
    b1 = bleu(refs, ["the the the the the the the"], max_n=1)[0]
    assert b1 == pytest.approx(2 / 7)  # Papineni et al.'s example: 'the' twice in a reference


def test_a_short_hypothesis_pays_the_brevity_penalty_and_every_order_is_worked_out():
    scores = bleu([["the cat sat on the mat"]], ["the cat sat on mat"])
    penalty = math.exp(1 - 6 / 5)
    precisions = [5 / 5, 3 / 4, 2 / 3, 1 / 2]
    expected = [penalty * math.prod(precisions[:n]) ** (1 / n) for n in (1, 2, 3, 4)]
    assert scores == pytest.approx(expected)


def test_the_closest_reference_length_is_used_and_the_counts_pool_over_the_corpus():
    refs = [["a b c d", "a b"], ["x y z"]]
    hyps = ["a b", "x y q"]  # lengths 2 (closest ref 2) and 3 (ref 3): no penalty
    assert bleu(refs, hyps, max_n=2) == pytest.approx([4 / 5, math.sqrt(4 / 5 * 2 / 3)])


def test_nltk_documented_example():
    hyp = ("It is a guide to action which ensures that the military always obeys the "
           "commands of the party")
    refs = ["It is a guide to action that ensures that the military will forever heed "
            "Party commands",
            "It is the guiding principle which guarantees the military forces always being "
            "under the command of the Party",
            "It is the practical guide for the army always to heed the directions of the party"]
    assert bleu([refs], [hyp])[3] == pytest.approx(0.5045666840058485, rel=1e-9)


def test_no_matching_bigram_gives_zero_from_there_on():
    assert bleu([["a b c"]], ["b a c"], max_n=3) == [1.0, 0.0, 0.0]


def test_mismatched_lists_say_what_is_wrong():
    with pytest.raises(ValueError, match="one list of references per hypothesis"):
        bleu([["a"]], ["a", "b"])
    with pytest.raises(ValueError, match="has no reference"):
        bleu([[]], ["a"])
