"""Every real app schema in ../shared/corpus generates, compiles, imports, imports nothing
of the runtime but its public module, and passes ``mypy --strict``; a sample passes
``pyright --strict`` (skipped where the corpus is absent, e.g. a user's clone)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from gradio_gen import ir

from tests.generator._util import (
    generate,
    load_module,
    mypy_strict,
    private_runtime_imports,
    pyright_strict,
)
from tests.servers import CORPUS

LARGEST = "fixture__many_endpoint_demo"


def _snapshots() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.glob("*.json") if p.name != "manifest.json")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Generate every corpus app once (timing the largest)."""
    if not _snapshots():
        pytest.skip("../shared/corpus is not available")
    out = tmp_path_factory.mktemp("corpus")
    modules: dict[str, Path] = {}
    for path in _snapshots():
        snap: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        started = time.perf_counter()
        try:
            text = generate(snap, name_hint=path.stem)
        except ir.NoEndpointsError:
            assert not any(
                e.get("api_visibility", "public") == "public"
                for e in snap["info"]["named_endpoints"].values()
            ), path.name
            continue
        if path.stem == LARGEST:
            print(
                f"\ngeneration of the largest corpus app ({path.stem}): "
                f"{time.perf_counter() - started:.2f} s, {len(text) // 1024} KiB"
            )
        target = out / f"corpus_{path.stem.replace('-', '_').replace('.', '_')}.py"
        target.write_text(text, encoding="utf-8")
        modules[path.stem] = target
    return modules


def test_every_app_with_endpoints_generates(generated: dict[str, Path]) -> None:
    manifest = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
    with_endpoints = {r["file"][:-5] for r in manifest if r["named_endpoints"] > 0}
    assert with_endpoints <= set(generated) | _undocumented_only()
    assert LARGEST in generated


def _undocumented_only() -> set[str]:
    found = set()
    for path in _snapshots():
        snap = json.loads(path.read_text(encoding="utf-8"))
        eps = snap["info"]["named_endpoints"].values()
        if eps and not any(e.get("api_visibility", "public") == "public" for e in eps):
            found.add(path.stem)
    return found


def test_every_module_compiles_and_imports(generated: dict[str, Path]) -> None:
    for stem, path in generated.items():
        started = time.perf_counter()
        module = load_module(path, name=f"_gg_corpus_{path.stem}")
        if stem == LARGEST:
            print(
                f"\nimport of the {LARGEST} module (compile included unless cached): "
                f"{time.perf_counter() - started:.2f} s"
            )
        assert module.SCHEMA_SHA256, stem
        assert module.__all__, stem


def test_deterministic(generated: dict[str, Path]) -> None:
    for stem in list(generated)[::25]:
        snap = json.loads((CORPUS / f"{stem}.json").read_text(encoding="utf-8"))
        assert generate(snap, name_hint=stem) == generated[stem].read_text(encoding="utf-8"), stem


@pytest.mark.timeout(900)  # ~10 s here; not marked slow so CI always runs it
def test_every_module_passes_mypy_strict(generated: dict[str, Path]) -> None:
    paths = list(generated.values())
    started = time.perf_counter()
    proc = mypy_strict(paths, paths[0].parent)
    print(
        f"\nmypy --strict over {len(paths)} generated modules: {time.perf_counter() - started:.1f} s"
    )
    assert proc.returncode == 0, proc.stdout[-6000:]


def test_every_module_imports_only_the_public_runtime_module(generated: dict[str, Path]) -> None:
    problems = {
        stem: found
        for stem, path in generated.items()
        if (found := private_runtime_imports(path.read_text(encoding="utf-8")))
    }
    assert problems == {}


@pytest.mark.timeout(900)
def test_a_sample_passes_pyright_strict(generated: dict[str, Path]) -> None:
    """Every third module (about 80; all of them take ~3x as long), for Python 3.10. Not the
    2,000-endpoint fixture: pyright stops analysing a module scope that large ("Code is too
    complex to analyze", its fixed budget of code-flow nodes per scope, reached between 1,500
    and 2,000 endpoints) and takes minutes on one past ~1,000; mypy checks it above."""
    sample = [path for stem, path in sorted(generated.items()) if stem != LARGEST][::3]
    started = time.perf_counter()
    errors, analyzed = pyright_strict(sample, sample[0].parent, python_version="3.10")
    print(
        f"\npyright --strict over {len(sample)} generated modules: "
        f"{time.perf_counter() - started:.1f} s"
    )
    assert analyzed == len(sample) and errors == [], errors[:40]
