"""The reader of PHP's serialize format: plain data out, anything else refused fast."""

import time

import pytest

from broadsheet.migration.php import PhpValueError, unserialize


def test_reads_wpdiscuz_vote_counts():
    assert unserialize('a:2:{s:4:"like";i:5;s:7:"dislike";i:3;}') == {"like": 5, "dislike": 3}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("N;", None),
        ("b:1;", True),
        ("i:-42;", -42),
        ("d:4.5;", 4.5),
        ('s:0:"";', ""),
        ('s:6:"héllo";', "héllo"),  # lengths count bytes, not characters
        ('s:5:"a";b;";', 'a";b;'),  # quotes and semicolons inside a string
        ('a:2:{i:0;s:1:"x";i:1;s:1:"y";}', ["x", "y"]),
        ('a:1:{s:1:"k";a:1:{i:3;b:0;}}', {"k": {3: False}}),
    ],
)
def test_reads_plain_values(text, value):
    assert unserialize(text) == value


@pytest.mark.parametrize(
    "text",
    [
        "",
        "i:12",  # no terminator
        "i:1x;",
        's:10:"short";',  # length runs past the end
        's:2:"abc";',  # length disagrees with the quotes
        "a:2:{i:0;i:1;}",  # fewer elements than announced
        "a:1:{a:0:{}i:1;}",  # an array as a key
        'O:8:"stdClass":0:{}',  # objects are never built
        'C:11:"ArrayObject":0:{}',
        "a:1:{i:0;R:1;}",  # references
        "i:1;i:2;",  # trailing data
        "b:2;",
        "x:1;",
    ],
)
def test_refuses_malformed_input(text):
    with pytest.raises(PhpValueError):
        unserialize(text)


def test_refuses_deep_or_huge_input_quickly():
    deep = "a:1:{i:0;" * 200 + "N;" + "}" * 200
    with pytest.raises(PhpValueError, match="deeper"):
        unserialize(deep)
    with pytest.raises(PhpValueError, match="over"):
        unserialize('s:2000000:"' + "x" * 2_000_000 + '";')
    started = time.monotonic()
    with pytest.raises(PhpValueError):
        unserialize("a:99999:{" + "i:0;" * 50_000)  # claims more elements than it has
    with pytest.raises(PhpValueError):
        unserialize("a:1000000000:{}")
    assert time.monotonic() - started < 2
