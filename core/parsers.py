"""The API's JSON parser: DRF's, with the limits every endpoint needs.

- A body is a JSON object. Every request schema of the API is an object; an array, a string or
  a number at the top is refused here (400 ``parse_error``) instead of reaching views that
  read ``request.data.get(...)``.
- Nesting is limited to ``MAX_DEPTH`` levels (400 ``nesting_too_deep``): Python's parser
  recurses, and a deeply nested body would raise ``RecursionError`` (a 500) in the parser or in
  any code that walks it.
- No string, key or value, holds a NUL byte (400 ``null_characters_not_allowed``): PostgreSQL
  text and JSONB cannot store it.
"""

from __future__ import annotations

import json

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError

MAX_DEPTH = 32
TOO_DEEP = f"JSON is nested more than {MAX_DEPTH} levels deep."


def _check(data) -> None:
    """Walk ``data`` without recursion: depth and NUL bytes."""
    stack = [(data, 1, None)]
    while stack:
        value, depth, attr = stack.pop()
        if depth > MAX_DEPTH:
            raise ValidationError([TOO_DEEP], code="nesting_too_deep")
        if isinstance(value, str):
            if "\x00" in value:
                message = ["Null characters are not allowed."]
                raise ValidationError({attr: message} if attr else message, code="null_characters_not_allowed")
        elif isinstance(value, dict):
            for key, item in value.items():
                if "\x00" in key:
                    raise ValidationError(["Null characters are not allowed."], code="null_characters_not_allowed")
                stack.append((item, depth + 1, attr or key))
        elif isinstance(value, list):
            stack.extend((item, depth + 1, attr) for item in value)


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding) if stream is not None else ""
            data = json.loads(text, parse_constant=self._refuse_constant)
        except RecursionError:
            raise ValidationError([TOO_DEEP], code="nesting_too_deep") from None
        except ValueError as error:
            raise ParseError(f"JSON parse error - {error}") from None
        if not isinstance(data, dict):
            raise ParseError("The body must be a JSON object.")
        _check(data)
        return data

    @staticmethod
    def _refuse_constant(name: str):
        raise ValueError(f"{name} is not valid JSON")
