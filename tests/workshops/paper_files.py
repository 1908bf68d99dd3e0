"""Small real files for the scan of a paper signature (and impostors)."""

from __future__ import annotations

import io

from PIL import Image

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def image(kind: str = "PNG", size: tuple[int, int] = (40, 20)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (250, 250, 240)).save(out, format=kind)
    return out.getvalue()


def png() -> bytes:
    return image("PNG")


def jpeg() -> bytes:
    return image("JPEG")


def too_big() -> bytes:
    """A real PNG over 1 MB (noise does not compress)."""
    import os

    out = io.BytesIO()
    Image.frombytes("RGB", (700, 700), os.urandom(700 * 700 * 3)).save(out, format="PNG")
    data = out.getvalue()
    assert len(data) > 1024 * 1024
    return data


#: a text file named scan.png, a GIF, a PNG header with garbage behind it
NOT_A_SCAN = {
    "text": b"Dies ist kein Scan, nur Text mit der Endung .png\n",
    "gif": image("GIF"),
    "broken_png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
    "html": b"<html><script>alert(1)</script></html>",
}
