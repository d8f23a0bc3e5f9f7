"""The image-name rule is written once (NAME_PATTERN, also the OpenAPI `pattern`); the friendly
messages of validate_name must agree with it on every string (issue 11, finding 4)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.images.names import MAX_NAME_CHARS, NAME_PATTERN, _problem

_PIECES = st.sampled_from(["a", "b", ".", "/", "é", "\u200b", "\x00", "\\", "\ufffe", "9"])


@settings(max_examples=1000, derandomize=True, deadline=None)
@given(st.one_of(st.text(max_size=12), st.lists(_PIECES, max_size=12).map("".join)))
def test_messages_and_pattern_agree(name: str) -> None:
    by_pattern = re.fullmatch(NAME_PATTERN, name) is not None and len(name) <= MAX_NAME_CHARS
    assert (_problem(name) is None) is by_pattern, repr(name)
