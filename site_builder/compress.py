"""Precompressed .gz and .br siblings of text files, made with WhiteNoise's compressor.

WhiteNoise serves `x.html.br`/`x.html.gz` in place of `x.html` when the client accepts them,
so compressing once at build time saves work on every request.
"""

from __future__ import annotations

import brotli
from whitenoise.compress import Compressor

TEXT_EXTENSIONS = (".html", ".css", ".js", ".mjs", ".json", ".xml", ".txt", ".svg", ".map", ".webmanifest")

# Brotli's default quality (11) costs ~6 ms per page (qualities 9+ switch to slow algorithms);
# 6 costs ~0.14 ms and is ~10 % larger for
# pages of a few KB (measured on the shared catalogue). Hashed assets are
# few and fetched by everyone, so they get the maximum.
PAGE_BROTLI_QUALITY = 6
ASSET_BROTLI_QUALITY = 11


class PortalCompressor(Compressor):
    def __init__(self, brotli_quality: int = PAGE_BROTLI_QUALITY):
        super().__init__(quiet=True)
        self.brotli_quality = brotli_quality

    def compress_brotli(self, data: bytes) -> bytes:  # WhiteNoise calls this for each file
        return brotli.compress(data, quality=self.brotli_quality, mode=brotli.MODE_TEXT)

    def compress_data(self, path: str, data: bytes) -> list[str]:
        """Like Compressor.compress, for bytes already in memory (no re-read of the file just written)."""
        written = []
        if not path.endswith(TEXT_EXTENSIONS):
            return written
        size = len(data)
        if self.use_brotli:
            compressed = self.compress_brotli(data)
            if not self.is_compressed_effectively("Brotli", path, size, compressed):
                return written  # gzip would not help either (WhiteNoise's own reasoning)
            written.append(_write(path + ".br", compressed))
        if self.use_gzip:
            compressed = self.compress_gzip(data)
            if self.is_compressed_effectively("Gzip", path, size, compressed):
                written.append(_write(path + ".gz", compressed))
        return written


def _write(path: str, data: bytes) -> str:
    with open(path, "wb") as fh:
        fh.write(data)
    return path
