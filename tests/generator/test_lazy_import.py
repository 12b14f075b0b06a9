"""Importing a generated client is light, and its lazily defined fakes are the declared ones.

A generated module imports neither the engine (httpx, asyncio: imported when a client is
constructed) nor the drift comparison machinery nor the fakes machinery (defined on first
access by the module's ``__getattr__``, from declarations type checkers read).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.contract.conftest import import_module_file

EXAMPLES = Path(__file__).parents[2] / "generated_examples"


def test_importing_a_generated_client_loads_no_engine() -> None:
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(EXAMPLES / 'demo_app')!r})\n"
        "import client\n"
        "heavy = ['httpx', 'asyncio', 'ssl', 'gradio_gen_runtime._client._clients',"
        " 'gradio_gen_runtime._typed._fake', 'gradio_gen_runtime._contracts._contract', 'logging']\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
        "fake = client.FakeDemoApp({'greet': 'hi'})\n"
        "assert fake.greet('bob') == 'hi'\n"
        "print('gradio_gen_runtime._typed._fake' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:2] == ["", "True"], out.stdout


def _declared_fakes(path: Path) -> list[ast.ClassDef]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    blocks = [
        s
        for s in tree.body
        if isinstance(s, ast.If)
        and s.orelse
        and isinstance(s.test, ast.Name)
        and any(isinstance(c, ast.ClassDef) for c in s.body)
    ]
    assert len(blocks) == 1
    return [c for c in blocks[0].body if isinstance(c, ast.ClassDef)]


@pytest.mark.parametrize("example", ["demo_app", "files", "streaming"])
def test_runtime_fakes_match_their_declarations(example: str) -> None:
    path = EXAMPLES / example / "client.py"
    module: ModuleType = import_module_file(path)
    declared = _declared_fakes(path)
    assert declared and not any(c.name in vars(module) for c in declared)  # not yet defined
    for decl in declared:
        cls = getattr(module, decl.name)
        assert cls.__name__ == cls.__qualname__ == decl.name
        assert cls.__module__ == module.__name__
        bases = [b.value if isinstance(b, ast.Subscript) else b for b in decl.bases]
        assert [b.__name__ for b in cls.__bases__] == [ast.unparse(b) for b in bases]
        assert cls.__doc__ == ast.get_docstring(decl, clean=False)
        if decl.name.startswith(("Fake", "AsyncFake")):
            instance = cls()
            assert isinstance(instance, getattr(module, cls.__bases__[1].__name__))
            fields = [s for s in decl.body if isinstance(s, ast.Assign)]
            assert fields
            for field in fields:  # name = EndpointAttribute(<fake endpoint class>, <api_name>)
                (target,) = field.targets
                assert isinstance(target, ast.Name) and isinstance(field.value, ast.Call)
                endpoint_class, api_name = (
                    ast.literal_eval(a) if isinstance(a, ast.Constant) else ast.unparse(a)
                    for a in field.value.args
                )
                endpoint = getattr(instance, target.id)
                assert type(endpoint).__name__ == endpoint_class
                assert endpoint.api_name == api_name
                assert vars(cls)[target.id].api_name == api_name  # declared on the class too
    with pytest.raises(AttributeError, match="NoSuchFake"):
        module.NoSuchFake  # noqa: B018
