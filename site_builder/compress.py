"""Precompressed .gz and .br siblings of text files, made with WhiteNoise's compressor.

WhiteNoise serves `x.html.br`/`x.html.gz` in place of `x.html` when the client accepts them,
so compressing once at build time saves work on every request.
"""

from __future__ import annotations

import brotli
from isal import igzip
from whitenoise.compress import Compressor

TEXT_EXTENSIONS = (".html", ".css", ".js", ".mjs", ".json", ".xml", ".txt", ".svg", ".map", ".webmanifest")

# Brotli's default quality (11) costs ~6 ms per page (qualities 9+ switch to slow algorithms);
# 6 costs ~0.14 ms and is ~10 % larger for
# pages of a few KB (measured on the shared catalogue). Hashed assets are
# few and fetched by everyone, so they get the maximum.
PAGE_BROTLI_QUALITY = 6
ASSET_BROTLI_QUALITY = 11

# The .gz copy is for the few clients without Brotli. zlib at WhiteNoise's level 9 costs ~0.15 ms
# per page, as much as rendering it; ISA-L's level 3 (the same gzip format) ~0.04 ms for a file
# ~3 % larger (benchmarks/build.py). Assets keep zlib's 9: few files, fetched by everyone.
PAGE_GZIP_LEVEL = 3


class PortalCompressor(Compressor):
    """Pages by default; `assets=True` for the hashed theme assets (maximum compression)."""

    def __init__(self, assets: bool = False):
        super().__init__(quiet=True)
        self.assets = assets
        self.brotli_quality = ASSET_BROTLI_QUALITY if assets else PAGE_BROTLI_QUALITY

    def compress_brotli(self, data: bytes) -> bytes:  # WhiteNoise calls this for each file
        return brotli.compress(data, quality=self.brotli_quality, mode=brotli.MODE_TEXT)

    def compress_gzip(self, data: bytes) -> bytes:
        if self.assets:
            return Compressor.compress_gzip(data)
        return igzip.compress(data, PAGE_GZIP_LEVEL, mtime=0)  # mtime 0: the same bytes every build

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
