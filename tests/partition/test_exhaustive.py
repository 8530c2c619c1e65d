"""Exhaustive search against a naive enumeration of every set partition."""

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gridgov.partition.constraints import Bounds
from gridgov.partition.exhaustive import exhaustive_division
from gridgov.partition.graph import delaunay_edges

BOUNDS = Bounds(4, 8, 6)


def _partitions(items: list[int]):
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for smaller in _partitions(rest):
        yield [[first], *smaller]
        for index in range(len(smaller)):
            yield [*smaller[:index], [first, *smaller[index]], *smaller[index + 1 :]]


def _connected(part: list[int], edges: set[tuple[int, int]]) -> bool:
    seen, stack = {part[0]}, [part[0]]
    while stack:
        node = stack.pop()
        for other in part:
            if other not in seen and (min(node, other), max(node, other)) in edges:
                seen.add(other)
                stack.append(other)
    return len(seen) == len(part)


def _fits(part: list[int], weight: np.ndarray, edges: set) -> bool:
    total = weight[part].sum()
    alone_over = len(part) == 1 and total > BOUNDS.high
    return (BOUNDS.contains(total) or alone_over) and _connected(part, edges)


@settings(max_examples=60, deadline=None)
@given(
    weights=st.lists(st.integers(1, 10), min_size=1, max_size=7),
    seed=st.integers(0, 1000),
)
def test_finds_a_division_exactly_when_one_exists(weights, seed):
    rng = np.random.default_rng(seed)
    weight = np.array(weights, dtype=float)
    xy = rng.uniform(0, 100, (len(weight), 2))
    pairs = delaunay_edges(xy)
    edges = {(int(min(a, b)), int(max(a, b))) for a, b in pairs.tolist()}
    exists = any(
        all(_fits(part, weight, edges) for part in division)
        for division in _partitions(list(range(len(weight))))
    )
    found = exhaustive_division(weight, xy, pairs[:, 0], pairs[:, 1], BOUNDS)
    assert (found is not None) == exists
    if found is not None:
        covered = sorted(itertools.chain.from_iterable(p.tolist() for p in found))
        assert covered == list(range(len(weight)))
        assert all(_fits(p.tolist(), weight, edges) for p in found)


def test_seven_blocks_of_five_in_a_row_are_seven_parts():
    xy = np.column_stack([np.arange(7) * 30.0, np.zeros(7)])
    pairs = np.column_stack([np.arange(6), np.arange(1, 7)])
    found = exhaustive_division(np.full(7, 5.0), xy, pairs[:, 0], pairs[:, 1], BOUNDS)
    assert found is not None and sorted(len(p) for p in found) == [1] * 7


def test_no_division_when_the_households_cannot_fit():
    xy = np.array([[0.0, 0.0], [10.0, 0.0]])
    found = exhaustive_division(np.array([2.0, 1.0]), xy, np.array([0]), np.array([1]), BOUNDS)
    assert found is None
