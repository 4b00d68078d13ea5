"""QR codes for the booking link, generated locally as SVG (no network, no images on disk)."""

from __future__ import annotations

from functools import lru_cache

import segno


@lru_cache(maxsize=64)
def qr_data_uri(url: str, dark: str = "#000000") -> str:
    """An SVG data URI of a QR code for ``url``.

    Medium error correction survives small print defects; the quiet zone is kept at
    the 4 modules the standard asks for so phone cameras lock on quickly.
    """
    code = segno.make(url, error="m", micro=False)
    return code.svg_data_uri(dark=dark, light="#FFFFFF", border=4, scale=4, omitsize=False)
