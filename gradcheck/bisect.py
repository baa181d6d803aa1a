"""Finding the wrong entries of a big gradient with directional checks, by halving.

Draw one direction u. For a set S of entries, move x along u restricted to S:

    numeric(S) = (f(x + h u_S) - f(x - h u_S)) / 2h,    analytic(S) = u_S . grad,

and their difference, sum over i in S of u_i (numeric_i - analytic_i), adds up
over disjoint sets. So checking one half of S (2 forwards) gives the other half
by subtraction, for free. Following the halves that are wrong down to single
entries finds one wrong entry in about 2 log2(N) forwards, where checking entry
by entry takes 2 N.
"""
import heapq

import numpy as np

from gradcheck.error import rounding_noise


def find_bad_entries(f, x, grad, h, tol, rng, limit=4, skip=None):
    """Flat indices of up to `limit` wrong entries of grad, worst-first by halving.

    Returns a list of (flat index, numeric, analytic) for the entries found. `skip`
    is a boolean mask of entries to leave alone (kinks already found).
    """
    u = rng.uniform(0.5, 1.0, size=x.shape) * rng.choice((-1.0, 1.0), size=x.shape)
    if skip is not None:
        u[skip] = 0.0
    flat_u, flat_grad = u.reshape(-1), grad.reshape(-1)

    def probe(indices):
        v = np.zeros(x.size)
        v[indices] = flat_u[indices]
        v = v.reshape(x.shape)
        plus, minus = f(x + h * v), f(x - h * v)
        return (plus - minus) / (2 * h), float(np.sum(v * grad)), max(abs(plus), abs(minus))

    everything = np.flatnonzero(flat_u)
    if everything.size == 0:
        return []
    numeric, analytic, size_of_f = probe(everything)
    noise = rounding_noise(size_of_f, h=h)

    def wrong(numeric, analytic):
        gap = abs(numeric - analytic)
        return gap > noise and gap > tol * (abs(numeric) + abs(analytic))

    found, tiebreak = [], 0
    heap = [(-abs(numeric - analytic), tiebreak, everything, numeric, analytic)]
    while heap and len(found) < limit:
        _, _, indices, numeric, analytic = heapq.heappop(heap)
        if not wrong(numeric, analytic):
            continue
        if indices.size == 1:
            i = int(indices[0])
            found.append((i, numeric / flat_u[i], float(flat_grad[i])))
            continue
        first, second = np.array_split(indices, 2)
        first_numeric, first_analytic, _ = probe(first)
        halves = ((first, first_numeric, first_analytic),
                  (second, numeric - first_numeric, analytic - first_analytic))
        for part, part_numeric, part_analytic in halves:
            tiebreak += 1
            heapq.heappush(heap, (-abs(part_numeric - part_analytic), tiebreak, part,
                                  part_numeric, part_analytic))
    return found
