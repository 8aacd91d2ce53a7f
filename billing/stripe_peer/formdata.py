"""Stripe's request encoding: ``application/x-www-form-urlencoded`` with bracketed keys.

``metadata[key]=v`` is a dict, ``expand[0]=a`` and ``expand[]=a`` are lists, and keys nest
(``card[number]``, ``evidence[uncategorized_text]``). stripe-python and Stripe.js send this.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

_TOKEN = re.compile(r"\[([^\]]*)\]")


def decode(body: str) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        head = key.split("[", 1)[0]
        tokens = [head, *_TOKEN.findall(key[len(head) :])]
        _assign(result, tokens, value)
    return _listify(result)


def _assign(target: dict[str, Any], tokens: list[str], value: str) -> None:
    node = target
    for position, token in enumerate(tokens):
        last = position == len(tokens) - 1
        if token == "":
            token = str(len(node))  # "expand[]=a": the next index
        if last:
            node[token] = value
        else:
            node = node.setdefault(token, {})


def _listify(node: Any) -> Any:
    """Dicts whose keys are all indexes become lists, in index order."""
    if not isinstance(node, dict):
        return node
    converted = {key: _listify(value) for key, value in node.items()}
    if converted and all(key.isdigit() for key in converted):
        return [converted[key] for key in sorted(converted, key=int)]
    return converted


def truthy(value: Any) -> bool:
    return str(value).lower() in {"true", "1", "yes"}
