"""``OutputLog`` (``_protocol._outputs``): the outputs it gives back are the ones a plain list
of full values holds, at every index, in any order of reads; and it keeps a token stream in
memory linear in the stream, not in the sum of its outputs."""

from __future__ import annotations

import random
import tracemalloc
from typing import Any

import pytest
from gradio_gen_runtime._protocol._outputs import OutputLog, merge
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

WORDS = ["a", "bc", "def", "", "xyz "]


def _random_value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.choice(["str", "str", "int", "list", "dict"] if depth < 3 else ["str", "int"])
    if kind == "str":
        return rng.choice(WORDS)
    if kind == "int":
        return rng.randint(-5, 5)
    if kind == "list":
        return [_random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {f"k{i}": _random_value(rng, depth + 1) for i in range(rng.randint(0, 3))}


def _random_edit(rng: random.Random, value: Any) -> list[Any]:
    """One valid ``[op, path, value]`` edit of ``value``: walk a random path, then an op
    that fits what is there."""
    path: list[Any] = []
    node = value
    while isinstance(node, (list, dict)) and node and rng.random() < 0.6:
        key = rng.randrange(len(node)) if isinstance(node, list) else rng.choice(sorted(node))
        if isinstance(node, list) and rng.random() < 0.2:
            key -= len(node)  # negative indices, as gradio's differ sends for lists
        path.append(key)
        node = node[key]
    ops: list[list[Any]] = [["replace", path, _random_value(rng)]] if path else []
    if not path:
        ops.append(["replace", [], _random_value(rng)])
    if isinstance(node, str):
        ops.append(["append", path, rng.choice(WORDS)])
    if isinstance(node, list):
        ops.append(["append", path, [_random_value(rng)]])
        ops.append(["add", [*path, rng.randint(0, len(node))], _random_value(rng)])
        if node:
            ops.append(["delete", [*path, rng.randrange(len(node))], None])
    if isinstance(node, dict):
        ops.append(["add", [*path, f"n{rng.randint(0, 9)}"], _random_value(rng)])
        if node:
            ops.append(["delete", [*path, rng.choice(sorted(node))], None])
    return rng.choice(ops)


def _build(rng: random.Random, steps: int) -> tuple[OutputLog, list[list[Any]]]:
    """A log and the plain list of full values it stands for, from a random stream: full
    values now and then (a streaming answer, a final value), edits of each output otherwise
    (sometimes none, sometimes for an output index that appears mid-run)."""
    log, plain = OutputLog(), []
    values: list[Any] | None = None
    for _ in range(steps):
        if values is None or rng.random() < 0.05:
            values = [_random_value(rng) for _ in range(rng.randint(1, 3))]
            log.append_full(values)
        else:
            width = len(values) + (1 if rng.random() < 0.05 else 0)
            data = []
            for i in range(width):
                current = values[i] if i < len(values) else None
                count = rng.choice([0, 1, 1, 2])
                edits = []
                for _ in range(count):
                    edit = _random_edit(rng, current)
                    edits.append(edit)
                    current = merge([current], [[edit]])[0]
                if i >= len(values) and not edits:
                    edits = [["replace", [], "new"]]
                data.append(edits)
            values = merge(values, data)
            log.append_edits(data, values)
        plain.append(values)
    return log, plain


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), steps=st.integers(1, 300))
def test_every_output_at_every_index_in_any_order(seed: int, steps: int) -> None:
    rng = random.Random(seed)
    log, plain = _build(rng, steps)
    snapshot = [repr(v) for v in plain]  # the log never changes an output it gave back
    assert len(log) == len(plain) and log.latest == plain[-1]
    assert list(log) == plain and log == plain and log == _copy(log)
    reads = list(range(len(plain))) + list(range(-len(plain), 0))
    rng.shuffle(reads)
    for i in reads:  # random access (checkpoint or memo) ...
        assert log[i] == plain[i], i
    for i in range(len(plain)):  # ... and in order (one step from the memo each)
        assert log[i] == plain[i], i
    assert [repr(v) for v in plain] == snapshot
    assert [repr(v) for v in log] == snapshot
    for bad in (len(plain), -len(plain) - 1):
        with pytest.raises(IndexError):
            log[bad]


def _copy(log: OutputLog) -> OutputLog:
    other = OutputLog()
    for values in log:
        other.append_full(values)
    return other


def test_first_output_is_whole_values() -> None:
    log = OutputLog()
    assert len(log) == 0 and log.latest is None and log == [] and list(log) == []
    with pytest.raises(ValueError, match="whole values"):
        log.append_edits([[["append", [], "x"]]], ["x"])
    assert log != [["x"]] and log != "not a list"


def test_a_log_iterated_while_it_grows_gives_every_output() -> None:
    log = OutputLog()
    log.append_full(["a"])
    seen = []
    for values in log:
        seen.append(values[0])
        if len(log) < 100:
            log.append_edits([[["append", [], "b"]]], [values[0] + "b"])
    assert seen == ["a" + "b" * i for i in range(100)]


def test_a_token_stream_is_kept_in_memory_linear_in_the_stream() -> None:
    """5,000 tokens of 40 characters: every full output would be ~500 MB; the edits (what
    was received) and a few checkpoints are a few MB."""
    n, token = 5000, "x" * 39 + " "
    tracemalloc.start()
    try:
        log = OutputLog()
        values = [token]
        log.append_full(values)
        for _ in range(1, n):
            data = [[["append", [], token[:-1] + " "]]]  # a fresh edit per message, as json gives
            values = merge(values, data)
            log.append_edits(data, values)
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(log) == n and log[-1] == [token * n] and log[n // 2] == [token * (n // 2 + 1)]
    assert current < 8 * 2**20, f"{current / 2**20:.1f} MiB kept for {n} tokens"
    assert peak < 12 * 2**20, f"{peak / 2**20:.1f} MiB peak for {n} tokens"
