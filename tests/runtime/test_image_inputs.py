"""In-memory images as file inputs (issue 16, point 10), against a live gradio app.

A PIL image goes wherever the app takes a file; a numpy array where the app expects an image
(gr.Image, gr.ImageEditor, a gr.Gallery's images); both as lossless PNGs: the app reports the
pixels it decoded (tests/apps/rt_images.py), compared with the array sent.
"""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from gradio_gen import cli
from gradio_gen_runtime import Client, UsageError, handle_file
from gradio_gen_runtime._files._image import encode_png
from PIL import Image

from tests.generator._util import load_module
from tests.servers import launch

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    with launch(["rt_images"]) as running:
        yield running.url


@pytest.fixture(scope="module")
def images(app_url: str, tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    target = tmp_path_factory.mktemp("images") / "images_client.py"
    assert cli.main([app_url, "-o", str(target), "--class-name", "Images", "-q"]) == 0
    return load_module(target)


def pixels(array: Any) -> dict[str, Any]:
    a = np.asarray(array)
    return {
        "shape": list(a.shape),
        "dtype": str(a.dtype),
        "sha256": hashlib.sha256(a.tobytes()).hexdigest(),
    }


RNG = np.random.default_rng(16)
RGB = RNG.integers(0, 256, (5, 7, 3), dtype=np.uint8)
RGBA = RNG.integers(0, 256, (4, 3, 4), dtype=np.uint8)
GREY = RNG.integers(0, 256, (6, 2), dtype=np.uint8)


def test_numpy_arrays_arrive_pixel_exact(images: ModuleType) -> None:
    with images.Images(on_drift="ignore") as client:
        for array in (RGB, RGBA, GREY, GREY[:, :, None][:, :, [0, 0, 0]]):
            assert client.pixels(array) == pixels(array)
        assert client.pixels(RGB[::-1, ::2]) == pixels(RGB[::-1, ::2])  # a strided view
        assert client.pixels(GREY > 128) == pixels((GREY > 128).astype(np.uint8) * 255)
        assert client.pixels(GREY.astype(np.int64)) == pixels(GREY)  # fits in uint8: as uint8
        assert client.pixels(GREY.astype(np.float32)) == pixels(GREY)  # integral floats too
        deep = RNG.integers(0, 65536, (3, 4), dtype=np.uint16)
        got = client.pixels(deep)  # 16-bit grey: PIL decodes it as I;16 (or I)
        assert got["shape"] == [3, 4] and got["dtype"] in ("uint16", "int32")


def test_pil_images_arrive_pixel_exact(images: ModuleType) -> None:
    with images.Images(on_drift="ignore") as client:
        for mode in ("RGB", "RGBA", "L", "LA"):
            image = Image.fromarray(RGBA).convert(mode)
            assert client.pixels(image) == pixels(image), mode
        palette = Image.fromarray(RGB).convert("P")
        assert client.pixels(palette) == pixels(palette)  # the palette indices, as sent
        cmyk = Image.fromarray(RGB).convert("CMYK")  # PNG has no CMYK: converted to RGB
        assert client.pixels(cmyk) == pixels(cmyk.convert("RGB"))


def test_gallery_editor_chat_and_file_positions(images: ModuleType) -> None:
    with images.Images(on_drift="ignore") as client:
        got = client.gallery([{"image": RGB, "caption": "a"}, {"image": Image.fromarray(RGBA)}])
        assert [{k: g[k] for k in ("shape", "sha256")} for g in got] == [
            {k: pixels(a)[k] for k in ("shape", "sha256")} for a in (RGB, RGBA)
        ]
        edited = client.editor({"background": RGBA, "layers": [RGBA], "composite": RGBA})
        assert edited["background"] == pixels(RGBA) and edited["layers"] == [pixels(RGBA)]
        # a PIL image is an image wherever a file goes: gr.File, a multimodal message
        assert client.file(Image.fromarray(RGB))["sha256"] == pixels(RGB)["sha256"]
        (seen,) = client.chat({"text": "look", "files": [Image.fromarray(GREY)]})
        assert seen["sha256"] == pixels(GREY)["sha256"] and seen["mode"] == "L"


def test_arrays_where_any_file_goes_are_refused_before_sending(images: ModuleType) -> None:
    with images.Images(on_drift="ignore") as client:
        for call in (lambda: client.file(RGB), lambda: client.audio(RGB),
                     lambda: client.chat({"text": "x", "files": [RGB]})):  # fmt: skip
            with pytest.raises(UsageError, match="numpy array is sent as a PNG image only where"):
                call()
        assert client.pixels(RGB) == pixels(RGB)  # the client is fine afterwards


def test_values_that_would_change_are_refused_with_a_hint(images: ModuleType) -> None:
    with images.Images(on_drift="ignore") as client:
        with pytest.raises(UsageError, match=r"values in 0..1\? send \(array \* 255\)"):
            client.pixels(RGB / 255.0)
        with pytest.raises(UsageError, match=r"values in -1\.\.5"):
            client.pixels(np.array([[-1, 5]], dtype=np.int16))
        with pytest.raises(UsageError, match="shape \\(2, 2, 5\\) is not an image"):
            client.pixels(np.zeros((2, 2, 5), dtype=np.uint8))
        with pytest.raises(UsageError, match="mode 'F'"):
            client.pixels(Image.fromarray(GREY).convert("F"))


def test_untyped_client_and_handle_file(app_url: str) -> None:
    with Client(app_url) as raw:
        assert raw.predict("/pixels", RGB) == pixels(RGB)
        assert raw.predict("/pixels", handle_file(Image.fromarray(RGB))) == pixels(RGB)
        with pytest.raises(UsageError, match="numpy array"):
            raw.predict("/file", RGB)


def _decode(data: bytes) -> tuple[int, int, Any]:
    """An independent reading of the PNGs we write (filter 0 rows): (depth, colour type, array)."""
    import struct
    import zlib

    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        assert struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])[0] == zlib.crc32(
            kind + body
        )
        chunks[kind] = chunks.get(kind, b"") + body
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    channels = {0: 1, 4: 2, 2: 3, 6: 4}[colour]
    raw = np.frombuffer(zlib.decompress(chunks[b"IDAT"]), dtype=np.uint8).reshape(height, -1)
    assert (raw[:, 0] == 0).all()
    samples = raw[:, 1:].copy().view(">u2" if depth == 16 else np.uint8)
    return depth, colour, samples.reshape(height, width, channels)


@pytest.mark.parametrize("dtype", ["uint8", "uint16", "bool"])
@pytest.mark.parametrize("shape", [(3, 5), (3, 5, 1), (3, 5, 2), (3, 5, 3), (3, 5, 4)])
def test_png_encoder_writes_the_exact_samples(dtype: str, shape: tuple[int, ...]) -> None:
    top = {"uint8": 256, "uint16": 65536, "bool": 2}[dtype]
    array = RNG.integers(0, top, shape).astype(dtype)
    data, name = encode_png(array, "numpy array")
    assert name == "image.png"
    expected = array.astype(np.uint8) * 255 if dtype == "bool" else array
    depth, _, samples = _decode(data)
    assert depth == (16 if dtype == "uint16" else 8)
    assert (samples.astype(np.int64) == expected.reshape(3, 5, -1)).all()
    with Image.open(io.BytesIO(data)) as decoded:  # and Pillow reads it (8-bit colour at most)
        decoded.load()
        assert decoded.size == (5, 3)


def test_the_runtime_imports_neither_pil_nor_numpy_for_other_values(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from gradio_gen_runtime import handle_file\n"
        "from gradio_gen_runtime._files._walk import input_sources\n"
        "handle_file(b'x'); handle_file(__file__)\n"
        "input_sources({}, {'a': [1, 'x']}, 'p', images=True)\n"
        "assert 'numpy' not in sys.modules and 'PIL' not in sys.modules, sys.modules.keys()\n"
    )
    script = tmp_path / "probe.py"
    script.write_text(code)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
