"""In-memory images as files: a PIL image or a numpy array -> lossless PNG bytes (pure, no I/O).

Image users hand over what they have in memory. Neither PIL nor numpy is imported here unless
the value is one of theirs (``sys.modules`` tells: a PIL image cannot exist before ``PIL.Image``
was imported, nor an array before ``numpy``). The encoding is lossless:

* a PIL image is saved as PNG by Pillow itself (its mode kept; modes PNG cannot hold are
  converted first: CMYK/YCbCr/LAB/HSV to RGB, premultiplied alpha to RGBA; a float image ``F``
  is refused: say how to scale it);
* a numpy array is written as PNG here (zlib, no Pillow): ``(h, w)`` grey, ``(h, w, 1|2|3|4)``
  grey / grey+alpha / RGB / RGBA; ``uint8`` and ``uint16`` as they are, ``bool`` as 0/255,
  other integers and integral floats when they fit in 0..255 (or 0..65535). Anything else (a
  float image in 0..1, negative values) is refused with a hint rather than guessed at.

Where such a value may go is decided by the caller (``_walk``): a PIL image is unmistakably an
image and is accepted wherever the app takes a file; an array only where the app expects an
image (an array may as well be audio samples or a table).
"""

from __future__ import annotations

import io
import os
import struct
import sys
import zlib
from typing import Any, Literal

from .._exceptions import UsageError

__all__ = ["ImageKind", "encode_png", "image_kind"]

ImageKind = Literal["PIL image", "numpy array"]

_PNG_MODES = frozenset({"1", "L", "LA", "I", "I;16", "I;16B", "P", "RGB", "RGBA"})
_TO_RGB = frozenset({"CMYK", "YCbCr", "LAB", "HSV", "RGBX"})
_TO_RGBA = frozenset({"RGBa", "PA"})
_TO_LA = frozenset({"La"})
_COLOR_TYPES = {1: 0, 2: 4, 3: 2, 4: 6}  # channels -> PNG colour type (grey, grey+alpha, RGB, RGBA)
ZLIB_LEVEL = 6  # Pillow's default for PNG


def image_kind(value: Any) -> ImageKind | None:
    """``"PIL image"`` / ``"numpy array"`` for such a value, else ``None`` (imports nothing)."""
    pil = sys.modules.get("PIL.Image")
    if pil is not None and isinstance(value, pil.Image):
        return "PIL image"
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(value, numpy.ndarray):
        return "numpy array"
    return None


def encode_png(value: Any, kind: ImageKind) -> tuple[bytes, str]:
    """(PNG bytes, a file name) for a PIL image or a numpy array; ``UsageError`` explains a
    value that cannot be written losslessly."""
    if kind == "PIL image":
        return _pil_png(value), _pil_name(value)
    return _array_png(value), "image.png"


# -- PIL ------------------------------------------------------------------------------------


def _pil_name(image: Any) -> str:
    filename = getattr(image, "filename", None)
    if isinstance(filename, str) and filename:
        stem = os.path.splitext(os.path.basename(filename))[0]
        if stem:
            return stem + ".png"
    return "image.png"


def _pil_png(image: Any) -> bytes:
    mode = str(image.mode)
    if mode in _TO_RGB:
        image = image.convert("RGB")
    elif mode in _TO_RGBA:
        image = image.convert("RGBA")
    elif mode in _TO_LA:
        image = image.convert("LA")
    elif mode not in _PNG_MODES:
        raise UsageError(
            f"a PIL image of mode {mode!r} cannot be sent as a PNG without losing data; convert "
            "it first (e.g. image.convert('RGB'), or scale a float image to 0..255 and "
            "image.convert('L'))"
        )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


# -- numpy ----------------------------------------------------------------------------------


def _array_png(array: Any) -> bytes:
    import numpy as np  # the value is an ndarray: numpy is already imported

    shape = tuple(array.shape)
    if len(shape) == 2:
        array = array[:, :, None]
    elif len(shape) != 3 or shape[2] not in _COLOR_TYPES:
        raise UsageError(
            f"a numpy array of shape {shape} is not an image: expected (height, width) or "
            "(height, width, channels) with 1, 2, 3 or 4 channels"
        )
    height, width, channels = array.shape
    if height == 0 or width == 0:
        raise UsageError(f"a numpy array of shape {shape} is an empty image")
    pixels, depth = _samples(np, array)
    rows = np.zeros((height, 1 + width * channels * (depth // 8)), dtype=np.uint8)
    rows[:, 1:] = pixels.reshape(height, -1).view(np.uint8)  # filter byte 0 (none) per row
    header = struct.pack(">IIBBBBB", width, height, depth, _COLOR_TYPES[channels], 0, 0, 0)
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", zlib.compress(rows.tobytes(), ZLIB_LEVEL)),
            _chunk(b"IEND", b""),
        )
    )


def _samples(np: Any, array: Any) -> tuple[Any, int]:
    """(big-endian samples, bit depth 8 or 16) of the array, converted only when lossless."""
    kind = array.dtype.kind
    if kind == "b":
        return np.ascontiguousarray(array.astype(np.uint8) * np.uint8(255)), 8
    if array.dtype == np.uint8:
        return np.ascontiguousarray(array), 8
    if array.dtype == np.uint16:
        return np.ascontiguousarray(array, dtype=">u2"), 16
    if kind in "iuf":
        if kind == "f" and not bool(np.isfinite(array).all()):
            raise UsageError("a float numpy array with NaN or infinity is not an image")
        low, high = array.min(), array.max()
        integral = kind != "f" or bool((array == np.round(array)).all())
        if integral and low >= 0 and high <= 255:
            return np.ascontiguousarray(array.astype(np.uint8)), 8
        if integral and low >= 0 and high <= 65535:
            return np.ascontiguousarray(array.astype(np.uint16), dtype=">u2"), 16
        hint = (
            " (values in 0..1? send (array * 255).round().astype('uint8'))"
            if kind == "f" and low >= 0 and high <= 1
            else ""
        )
        raise UsageError(
            f"a numpy array of dtype {array.dtype} with values in {low}..{high} cannot be sent "
            f"as an image without changing them: convert it to uint8 (0..255) or uint16{hint}"
        )
    raise UsageError(f"a numpy array of dtype {array.dtype} is not an image")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
