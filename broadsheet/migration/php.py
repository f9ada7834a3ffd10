"""A small, safe reader of PHP's `serialize()` format, for the values WordPress plugins
keep in post and comment meta (wpDiscuz's `wpdiscuz_votes_seperate` is one).

Only data comes out: null, booleans, integers, floats, strings and arrays (as dicts, or
lists when the keys are 0..n-1). Objects and references are refused, nothing is ever
evaluated, and the input is bounded in size, nesting and element count; every position
is read once, so a hostile value fails fast instead of hanging. Malformed input raises
`PhpValueError` with the byte offset.
"""

MAX_BYTES = 1_000_000
MAX_DEPTH = 32
MAX_ITEMS = 100_000


class PhpValueError(ValueError):
    """The value is not PHP serialize format this reader accepts."""


def unserialize(data: str | bytes, *, max_bytes: int = MAX_BYTES):
    """The Python value of a PHP-serialized string. Strings come back as `str` (UTF-8,
    undecodable bytes replaced). Raises PhpValueError on anything malformed, oversized,
    too deep, or not plain data (objects, references)."""
    raw = data.encode() if isinstance(data, str) else bytes(data)
    if len(raw) > max_bytes:
        raise PhpValueError(f"serialized value of {len(raw):,} bytes is over {max_bytes:,}")
    reader = _Reader(raw)
    value = reader.value(0)
    if reader.pos != len(raw):
        raise PhpValueError(f"unexpected data after the value at byte {reader.pos}")
    return value


class _Reader:
    def __init__(self, raw: bytes):
        self.raw = raw
        self.pos = 0
        self.items = 0

    def fail(self, message: str):
        raise PhpValueError(f"{message} at byte {self.pos}")

    def expect(self, token: bytes) -> None:
        if self.raw[self.pos : self.pos + len(token)] != token:
            self.fail(f"expected {token.decode()!r}")
        self.pos += len(token)

    def until(self, stop: bytes, limit: int = 24) -> bytes:
        end = self.raw.find(stop, self.pos, self.pos + limit + 1)
        if end < 0:
            self.fail(f"expected {stop.decode()!r}")
        chunk = self.raw[self.pos : end]
        self.pos = end + 1
        return chunk

    def integer(self, stop: bytes) -> int:
        chunk = self.until(stop)
        text = chunk.decode("ascii", "replace")
        body = text[1:] if text[:1] in "+-" else text
        if not body.isdigit():
            self.fail(f"bad integer {text!r}")
        return int(text)

    def value(self, depth: int):
        if depth > MAX_DEPTH:
            self.fail(f"nested deeper than {MAX_DEPTH}")
        self.items += 1
        if self.items > MAX_ITEMS:
            self.fail(f"more than {MAX_ITEMS:,} values")
        kind = self.raw[self.pos : self.pos + 2]
        if kind == b"N;":
            self.pos += 2
            return None
        if kind not in (b"b:", b"i:", b"d:", b"s:", b"a:"):
            if kind[:1] in (b"O", b"C", b"r", b"R", b"E"):
                self.fail("objects and references are not accepted")
            self.fail("unknown value type")
        self.pos += 2
        if kind == b"b:":
            flag = self.integer(b";")
            if flag not in (0, 1):
                self.fail("a boolean is 0 or 1")
            return bool(flag)
        if kind == b"i:":
            return self.integer(b";")
        if kind == b"d:":
            text = self.until(b";", limit=64).decode("ascii", "replace")
            try:
                return float(text)
            except ValueError:
                self.fail(f"bad float {text!r}")
        if kind == b"s:":
            length = self.integer(b":")
            if length < 0 or self.pos + length + 2 > len(self.raw):
                self.fail("string length runs past the end")
            self.expect(b'"')
            text = self.raw[self.pos : self.pos + length]
            self.pos += length
            self.expect(b'";')
            return text.decode("utf-8", "replace")
        # An array: a:N:{key;value;...}
        count = self.integer(b":")
        if count < 0 or count > MAX_ITEMS or count * 4 > len(self.raw) - self.pos:
            self.fail(f"array of {count} elements does not fit")
        self.expect(b"{")
        result: dict = {}
        for _ in range(count):
            key = self.value(depth + 1)
            if not isinstance(key, int | str) or isinstance(key, bool):
                self.fail("an array key is an integer or a string")
            result[key] = self.value(depth + 1)
        self.expect(b"}")
        if list(result) == list(range(len(result))):
            return list(result.values())
        return result
