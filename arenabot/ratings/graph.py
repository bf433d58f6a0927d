"""Connectivity of the comparison graph with numpy alone. Boards have at most a few hundred
models, so dense boolean reachability is instant, while scipy.sparse.csgraph costs about half
a second of imports on every `arenabot ratings` run."""

from __future__ import annotations

import numpy as np


def _reachable(adjacency: np.ndarray, start: int) -> np.ndarray:
    """Nodes reachable from `start` along the adjacency's directed edges (start included)."""
    seen = np.zeros(len(adjacency), dtype=bool)
    seen[start] = True
    frontier = seen.copy()
    while frontier.any():
        frontier = adjacency[frontier].any(axis=0) & ~seen
        seen |= frontier
    return seen


def strongly_connected(m: int, rows: np.ndarray, cols: np.ndarray) -> bool:
    """Whether every node reaches every other along the directed edges rows -> cols."""
    adjacency = np.zeros((m, m), dtype=bool)
    adjacency[rows, cols] = True
    return bool(_reachable(adjacency, 0).all() and _reachable(adjacency.T, 0).all())


def component_labels(m: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Label per node of the undirected graph with edges i -- j, numbered in order of each
    component's first node."""
    adjacency = np.zeros((m, m), dtype=bool)
    adjacency[i, j] = True
    adjacency[j, i] = True
    labels = np.full(m, -1)
    count = 0
    for node in range(m):
        if labels[node] < 0:
            labels[_reachable(adjacency, node)] = count
            count += 1
    return labels
