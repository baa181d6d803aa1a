"""BLEU (Papineni et al. 2002), corpus-level, with several references per hypothesis:

    p_n = sum over hypotheses of sum over its n-grams g of min(count(g), max_ref count(g))
          / sum over hypotheses of their number of n-grams            (clipped precision)
    BP  = 1 if c > r else exp(1 - r / c)                               (brevity penalty)
    BLEU-N = BP * exp(mean over n = 1..N of log p_n)

c is the total hypothesis length, r the sum over hypotheses of the reference length
closest to it (the shorter on a tie). Clipping stops "the the the" from scoring on
one "the"; the penalty stops a short safe caption from scoring on precision alone.
Without smoothing, BLEU-N is 0 when some p_n is 0. Sentences are lists of words, or
strings split on whitespace. nltk's corpus_bleu gives the same numbers.
"""
from collections import Counter
import math


def bleu(references, hypotheses, max_n=4):
    """[BLEU-1, ..., BLEU-max_n] of hypotheses[i] against the list references[i]."""
    if len(references) != len(hypotheses) or not hypotheses:
        raise ValueError(f"bleu: expected one list of references per hypothesis and at least "
                         f"one hypothesis, got {len(references)} and {len(hypotheses)}")
    matched, total = [0] * max_n, [0] * max_n
    hyp_length = ref_length = 0
    for refs, hyp in zip(references, hypotheses):
        refs = [_words(r) for r in refs]
        hyp = _words(hyp)
        if not refs:
            raise ValueError(f"bleu: the hypothesis {' '.join(hyp)!r} has no reference")
        hyp_length += len(hyp)
        ref_length += min((abs(len(r) - len(hyp)), len(r)) for r in refs)[1]
        for n in range(1, max_n + 1):
            counts = _ngrams(hyp, n)
            most = Counter()
            for r in refs:
                most |= _ngrams(r, n)  # | keeps the larger count of each n-gram
            matched[n - 1] += sum(min(c, most[g]) for g, c in counts.items())
            total[n - 1] += sum(counts.values())
    penalty = 1.0 if hyp_length > ref_length else math.exp(1 - ref_length / max(hyp_length, 1))
    scores, log_sum = [], 0.0
    for n in range(max_n):
        if matched[n] == 0:
            scores.extend([0.0] * (max_n - n))
            break
        log_sum += math.log(matched[n] / total[n])
        scores.append(penalty * math.exp(log_sum / (n + 1)))
    return scores


def _words(sentence):
    return sentence.split() if isinstance(sentence, str) else list(sentence)


def _ngrams(words, n):
    return Counter(tuple(words[i:i + n]) for i in range(len(words) - n + 1))
