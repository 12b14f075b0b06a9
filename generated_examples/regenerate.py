"""Regenerate (or check) the committed examples: ``python generated_examples/regenerate.py``.

Each example directory holds ``snapshot.json`` (a real app's API, captured from the app
named in ``EXAMPLES``) and ``client.py``, generated from it exactly as a user would:

    gradio-gen generated_examples/<name>/snapshot.json -o generated_examples/<name>/client.py \\
        --class-name <ClassName>

``--check`` exits 1 when any committed ``client.py`` differs from what would be generated
now (the golden test does the same). ``--refresh-snapshots`` first copies the snapshots again
from ``../shared/corpus`` (the demo app's snapshot is captured from the live app by
``scripts/demo.sh``'s app: run ``tests/e2e/test_generated_examples.py`` with
``GRADIO_GEN_RECAPTURE=1``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPUS = ROOT.parent / "shared" / "corpus"

# directory -> (corpus app it comes from, or "" for our own app; client class name; kind)
EXAMPLES: dict[str, tuple[str, str, str]] = {
    "chatbot": ("demo__chatbot_simple", "ChatbotSimple", "chatbot"),
    "image": ("demo__sepia_filter", "SepiaFilter", "image"),
    "streaming": ("demo__chatinterface_streaming_echo", "StreamingEcho", "streaming generator"),
    "multi_output": ("demo__hello_world_3", "HelloWorld3", "multi-output"),
    "files": ("demo__file_component_events", "FileEvents", "files"),
    "dataframe": ("demo__tax_calculator", "TaxCalculator", "dataframe"),
    "plot": ("demo__plot_guide_datetime", "PlotDatetime", "plot"),
    "demo_app": ("", "DemoApp", "the bundled demo app (scripts/demo.sh)"),
}


def argv_for(name: str) -> list[str]:
    """The exact gradio-gen arguments for one example (relative paths: run from ROOT)."""
    _, class_name, _ = EXAMPLES[name]
    base = f"generated_examples/{name}"
    return [f"{base}/snapshot.json", "-o", f"{base}/client.py", "--class-name", class_name]


def generate(name: str) -> str:
    """The module text for one example (same pipeline as the CLI)."""
    from gradio_gen import cli, snapshot

    args = argv_for(name)
    snap = snapshot.load_file(str(ROOT / args[0]))
    return cli.generate(
        snap,
        source=snapshot.default_source(snap, args[0]),
        class_name=args[-1],
        name_hint="",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--refresh-snapshots", action="store_true")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    changed = []
    for name, (corpus_name, _, _) in EXAMPLES.items():
        folder = HERE / name
        folder.mkdir(exist_ok=True)
        if args.refresh_snapshots and corpus_name:
            data = json.loads((CORPUS / f"{corpus_name}.json").read_text(encoding="utf-8"))
            (folder / "snapshot.json").write_text(
                json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                encoding="utf-8",
            )
        text = generate(name)
        target = folder / "client.py"
        old = target.read_text(encoding="utf-8") if target.exists() else None
        if old != text:
            changed.append(name)
            if not args.check:
                target.write_text(text, encoding="utf-8")
    verb = "differ" if args.check else "regenerated"
    print(f"{len(changed)} example(s) {verb}: {', '.join(changed) or '-'}")
    return 1 if (args.check and changed) else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
