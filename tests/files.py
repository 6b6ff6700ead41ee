"""Real files for the attachment tests, made on the spot: images with Pillow, a small valid PDF, and what must
be refused (SVG, HTML, a file whose first bytes lie)."""

from __future__ import annotations

import io

from PIL import Image


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (640, 480), mode: str = "RGB") -> bytes:
    colour = (30, 120, 200, 255)[: len(mode)] if mode in ("RGB", "RGBA") else 1
    image = Image.new(mode, size, colour)
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def pdf_bytes() -> bytes:
    """A one-page PDF any viewer opens."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    body, offsets = b"%PDF-1.4\n", []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(body))
        body += f"{number} 0 obj\n".encode() + content + b"\nendobj\n"
    xref = len(body)
    body += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    body += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    body += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return body


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
#: PNG's first bytes, then nothing an image is made of.
FAKE_PNG = b"\x89PNG\r\n\x1a\n" + b"<script>alert(1)</script>" * 20
