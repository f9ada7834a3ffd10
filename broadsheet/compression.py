"""gzip for pages and API answers, compressed once when the page cache stores them.

Why here and not only at nginx: `broadsheet serve` alone is a supported production
set-up, and HTML went out uncompressed there (whitenoise compresses static files only).

Two paths:

- A response the page cache stores (broadsheet/pagecache.py) is compressed once, at
  store time (`stored_gzip`), and every hit that accepts gzip is served those bytes: no
  compression on a hit. One catch: each copy of a cached page carries its own CSP nonce
  (broadsheet/csp.py), which would mean compressing again. So the page is compressed in
  segments split at the nonce, each segment a deflate stream of its own (no segment
  refers back past a nonce), and the nonce's 24 bytes sit between them as a *stored*
  (uncompressed) deflate block: a hit writes its fresh nonce into those slots
  (`gzip_with_nonce`). The gzip trailer's CRC-32 is updated without reading the page
  again: CRC-32 is linear, so the change a new nonce makes is a 32x32 bit matrix applied
  to the CRC of the nonce's change, that matrix computed once at store time. The
  segments cost a few per cent of compression (the body cannot refer back into the
  head); the nonce itself is never compressed, so its length on the wire says nothing.
- Any other response (a signed-in reader's page, an API answer the page cache does not
  keep) is compressed per response by `CompressionMiddleware`, Django's GZipMiddleware
  with its BREACH mitigation (random bytes in the gzip header), minus streams: a
  Server-Sent Events stream must reach the reader event by event, and file downloads are
  whitenoise's (which serves its own pre-compressed copies).

BREACH (reading a secret from the compressed size of responses that also reflect
attacker input): pages the page cache keeps hold no secret (the CSRF token comes from
/api/v1/session, never a cached page; the nonce is stored uncompressed and new each
response); pages with forms render Django's CSRF token masked afresh per response, and
the random header bytes blur lengths further.

Only gzip: the nonce splice needs deflate's stored blocks and independent segments,
which the standard library gives; brotli would need a dependency and a hand-built stream
for the same trick, for some 15 % fewer bytes on HTML. Behind nginx (deploy/), nginx
asks Broadsheet for plain pages and compresses itself, so its cache holds one copy per
page and its purges reach it.
"""

import re
import struct
import zlib

from django.middleware.gzip import GZipMiddleware
from django.utils.cache import patch_vary_headers

MIN_SIZE = 200  # smaller bodies gain nothing (Django's own threshold)
LEVEL = 6
_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # gzip, deflate, no name, mtime 0
_ENCODING = re.compile(r"^\s*([^\s;]+)\s*(?:;\s*q\s*=\s*([^\s;]+))?")
_COMPRESSIBLE = ("text/", "application/json", "application/xml", "application/rss+xml")
_COMPRESSIBLE += ("application/atom+xml", "application/ld+json", "image/svg+xml")


def accepts_gzip(request) -> bool:
    """Whether the client takes gzip: named (or `*`) in Accept-Encoding without q=0."""
    header = request.META.get("HTTP_ACCEPT_ENCODING", "")
    if "gzip" not in header and "*" not in header:
        return False
    for item in header.split(","):
        match = _ENCODING.match(item)
        if match and match[1].lower() in ("gzip", "*", "x-gzip"):
            try:
                return float(match[2] or 1) > 0
            except ValueError:
                return False
    return False


def compressible(response) -> bool:
    content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
    return (
        not response.streaming
        and "Content-Encoding" not in response
        and content_type.startswith(_COMPRESSIBLE)
        and content_type != "text/event-stream"
        and len(response.content) >= MIN_SIZE
    )


# CRC-32 arithmetic (as zlib's crc32_combine): the raw CRC register after n zero bytes
# is a linear function of the register before; _ZEROS[k] is that function for 2**k
# bytes, as the images of the 32 unit vectors.
def _apply(matrix: list[int], vector: int) -> int:
    result = 0
    column = 0
    while vector:
        if vector & 1:
            result ^= matrix[column]
        vector >>= 1
        column += 1
    return result


def _one_zero_byte() -> list[int]:
    # zlib.crc32 pre- and post-inverts the register; undo both to get the raw step.
    return [zlib.crc32(b"\0", (1 << j) ^ 0xFFFFFFFF) ^ 0xFFFFFFFF for j in range(32)]


_ZEROS = [_one_zero_byte()]
for _ in range(31):  # pages up to 4 GiB
    _ZEROS.append([_apply(_ZEROS[-1], column) for column in _ZEROS[-1]])


def _after_zeros(vector: int, count: int) -> int:
    k = 0
    while count:
        if count & 1:
            vector = _apply(_ZEROS[k], vector)
        count >>= 1
        k += 1
    return vector


def _linear_crc(data: bytes) -> int:
    """The linear part of CRC-32 (no initial or final inversion)."""
    return zlib.crc32(data) ^ zlib.crc32(bytes(len(data)))


def stored_gzip(content: bytes, nonce: str) -> dict:
    """`content` gzipped once, in a form `gzip_with_nonce` can give any nonce of the same
    length (see the module docstring); plain data, so the page cache can pickle it."""
    marker = nonce.encode() if nonce else b""
    # The nonce is replaced only where csp.reissue_nonce replaces it: the attribute.
    parts = content.split(b'nonce="' + marker + b'"') if marker else [content]
    pieces = []
    slots = []  # bytes after the end of each nonce slot, for the CRC
    position = 0
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        text = (b'"' if index else b"") + part + (b"" if last else b'nonce="')
        segment = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
        data = segment.compress(text) + segment.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)
        position += len(text)
        if not last:
            # A stored block: BFINAL 0, BTYPE 00, padding (we are byte-aligned after a
            # sync flush), then LEN and its complement; the nonce's bytes follow.
            data += b"\0" + struct.pack("<HH", len(marker), len(marker) ^ 0xFFFF)
            position += len(marker)
            slots.append(position)
        pieces.append(data)
    pieces[0] = _HEADER + pieces[0]
    size = len(content)
    columns = [0] * 32
    for end in slots:
        tail = size - end
        for j in range(32):
            columns[j] ^= _after_zeros(1 << j, tail)
    return {
        "pieces": pieces,
        "nonce": marker,
        "crc": zlib.crc32(content),
        "size": size,
        "columns": columns,
    }


def gzip_with_nonce(stored: dict, nonce: str) -> bytes:
    """The stored page's gzip bytes with `nonce` in each slot: no compression, no pass
    over the page (a join, and a CRC update of a few dozen operations)."""
    fresh = nonce.encode()
    old = stored["nonce"]
    if len(stored["pieces"]) == 1 or fresh == old or len(fresh) != len(old):
        fresh = old  # one piece: no slot; same nonce: nothing changes
        crc = stored["crc"]
    else:
        change = (int.from_bytes(old) ^ int.from_bytes(fresh)).to_bytes(len(old))
        crc = stored["crc"] ^ _apply(stored["columns"], _linear_crc(change))
    trailer = struct.pack("<II", crc, stored["size"] & 0xFFFFFFFF)
    return fresh.join(stored["pieces"]) + trailer


def serve_stored(response, stored: dict, nonce: str):
    """Give `response` (the stored page, its nonce `nonce`) the stored gzip bytes."""
    response.content = gzip_with_nonce(stored, nonce)
    response["Content-Length"] = str(len(response.content))
    response["Content-Encoding"] = "gzip"
    patch_vary_headers(response, ("Accept-Encoding",))
    etag = response.get("ETag")
    if etag and etag.startswith('"'):
        response["ETag"] = "W/" + etag  # the same page, another representation
    return response


class CompressionMiddleware(GZipMiddleware):
    """gzip for responses the page cache did not already encode (see the module
    docstring): never a stream, never a body under MIN_SIZE, never a type that is
    compressed already (images, fonts); Vary: Accept-Encoding on every compressible
    response, encoded or not, so no cache hands gzip to a client that did not ask."""

    def process_response(self, request, response):
        if "Content-Encoding" in response:
            return response  # the page cache's stored bytes, or whitenoise's
        if not compressible(response):
            return response
        if not accepts_gzip(request):
            patch_vary_headers(response, ("Accept-Encoding",))
            return response
        request.META["HTTP_ACCEPT_ENCODING"] = "gzip"  # decided above (q-values read)
        return super().process_response(request, response)
