"""Every error code the API can return, per HTTP status, read from the code itself.

The OpenAPI schema lists these codes (``core.openapi``), so the list is never kept by hand in a
second place. It is built from three sources:

1. The error classes (imported, or defined in the apps' source): every ``ApplicationError`` and DRF
   ``APIException`` subclass (DRF's own, drf-standardized-errors', ours) gives its status and
   default code.
2. The source of Fanfare's apps: every call of one of those classes, or of Django's
   ``ValidationError`` (``raise NotFoundError("...", code="post_not_found")``, ``return
   PermissionDeniedError(code=...)`` in a helper, ``ChatError(..., code="slow_mode")``) adds its
   code under its status (the class's, or a literal ``status_code=``). Calls that compute their
   code add every string literal of the expression (``code=error.code or "invalid_handle"``).
3. DRF permission classes: their ``code`` under 403.
4. Validation: the codes of DRF's serializer fields and Django's validators, under 400.

A new endpoint is covered as soon as its service raises an error class with a literal code:
nothing else to list. ``tests/core/test_error_catalogue.py`` pins the parts that must be there;
the API fuzzer (``tests/contract``) fails on any code an endpoint returns that is not here.
"""

from __future__ import annotations

import ast
import functools
import inspect
import re
from collections import defaultdict
from pathlib import Path

from django.apps import apps
from django.conf import settings

# Codes made outside any error class: core.views (Django's handlers), core.middleware, core.parsers.
_LOOSE_CODES = {
    400: {"parse_error", "invalid", "bad_request", "null_characters_not_allowed", "nesting_too_deep"},
    403: {"permission_denied"},
    404: {"not_found"},
    500: {"error"},
}
# Error classes whose code is given positionally (DRF: detail, code; Django: message, code).
_POSITIONAL_CODE_INDEX = 1


def _all_subclasses(cls: type) -> list[type]:
    found, todo = [], [cls]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in found:
                found.append(sub)
                todo.append(sub)
    return found


def _error_classes() -> dict[str, tuple[int, str, bool]]:
    """{class name: (status, default code, takes a positional code)} of every error class."""
    from django.core.exceptions import ValidationError as DjangoValidationError
    from rest_framework import exceptions

    from core.errors import ApplicationAPIException, ApplicationError

    classes: dict[str, tuple[int, str, bool]] = {}
    for cls in [exceptions.APIException, *_all_subclasses(exceptions.APIException)]:
        if cls is ApplicationAPIException:
            continue
        classes[cls.__name__] = (int(cls.status_code), str(cls.default_code), True)
    for cls in [ApplicationError, *_all_subclasses(ApplicationError)]:
        classes[cls.__name__] = (int(cls.status_code), str(cls.default_code), False)
    classes["ValidationError"] = (400, "invalid", True)
    classes.setdefault(DjangoValidationError.__name__, (400, "invalid", True))
    return classes


_CODE = re.compile(r"^[a-z][a-z0-9_]*[a-z0-9]$")


def _literal_strings(node: ast.AST) -> set[str]:
    """The codes an expression can give: its string literals, outside f-strings, calls and subscripts."""
    found, todo = set(), [node]
    while todo:
        current = todo.pop()
        if isinstance(current, ast.Constant) and isinstance(current.value, str) and _CODE.match(current.value):
            found.add(current.value)
        elif not isinstance(current, ast.JoinedStr | ast.Call | ast.Subscript | ast.Dict):
            todo.extend(ast.iter_child_nodes(current))
    return found


def _literal_status(node: ast.AST) -> int | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")
    if name.startswith("HTTP_"):
        return int(name.split("_")[1])
    return None


def _callee_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


# Third-party modules whose errors reach API clients with codes of their own (password rules,
# DRF's validators and authentication, knox). Their classes are read in any case.
_THIRD_PARTY_MODULES = [
    "django.contrib.auth.password_validation",
    "django.core.validators",
    "rest_framework.authentication",
    "rest_framework.fields",
    "rest_framework.serializers",
    "rest_framework.validators",
    "knox.auth",
]


def _source_files() -> list[Path]:
    """Fanfare's own apps (not their tests or migrations), and the third-party modules above."""
    import importlib

    base = Path(settings.BASE_DIR).resolve()
    files = []
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if base not in path.parents or "site-packages" in path.parts or "tests" in path.relative_to(base).parts:
            continue
        files.extend(p for p in path.rglob("*.py") if "migrations" not in p.parts)
    for name in _THIRD_PARTY_MODULES:
        files.append(Path(importlib.import_module(name).__file__).resolve())
    return sorted(set(files))


def _classes_in_source(trees: list[ast.AST], classes: dict[str, tuple[int, str, bool]]) -> None:
    """Add the error classes the apps define (imported or not) to ``classes``, in place."""
    changed = True
    while changed:
        changed = False
        for tree in trees:
            for node in ast.walk(tree):
                if not isinstance(node, ast.ClassDef) or node.name in classes:
                    continue
                bases = [b.attr if isinstance(b, ast.Attribute) else getattr(b, "id", "") for b in node.bases]
                base = next((classes[name] for name in bases if name in classes), None)
                if base is None:
                    continue
                status, code, positional = base
                for statement in node.body:
                    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
                        target = getattr(statement.targets[0], "id", "")
                        if target == "status_code":
                            status = _literal_status(statement.value) or status
                        elif target == "default_code" and isinstance(statement.value, ast.Constant):
                            code = statement.value.value
                classes[node.name] = (status, code, positional)
                changed = True


def _permission_codes(tree: ast.AST) -> set[str]:
    """Codes of DRF permission classes (``code = "staff_only"``, ``self.code = ...``): DRF answers
    403 with them (401 to an anonymous caller)."""
    codes: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        bases = [b.attr if isinstance(b, ast.Attribute) else getattr(b, "id", "") for b in node.bases]
        if not any("Permission" in name for name in bases):
            continue
        for statement in ast.walk(node):
            if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
                target = statement.targets[0]
                name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
                if name == "code":
                    codes |= _literal_strings(statement.value)
    return codes


def _error_helpers(trees: list[ast.AST], classes) -> dict[str, tuple[int | None, str, int]]:
    """Functions that build an error from a ``code`` parameter (``_field_error(name, message, code)``):
    {function name: (the parameter's position or None, its name, the error's status)}."""
    helpers: dict[str, tuple[int | None, str, int]] = {}
    for tree in trees:
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            positional = [a.arg for a in function.args.posonlyargs + function.args.args]
            parameters = set(positional) | {a.arg for a in function.args.kwonlyargs}
            for node in ast.walk(function):
                if not isinstance(node, ast.Call) or _callee_name(node) not in classes:
                    continue
                status = classes[_callee_name(node)][0]
                keywords = {kw.arg: kw.value for kw in node.keywords if kw.arg}
                if "status_code" in keywords:
                    status = _literal_status(keywords["status_code"]) or status
                code = keywords.get("code")
                if isinstance(code, ast.Name) and code.id in parameters:
                    index = positional.index(code.id) if code.id in positional else None
                    helpers[function.name] = (index, code.id, status)
    return helpers


def _codes_in_source(
    classes: dict[str, tuple[int, str, bool]], unresolved: list[str] | None = None
) -> dict[int, set[str]]:
    """Codes by status; ``unresolved`` collects ``path:line`` of error calls whose code is computed
    (no literal to read): their codes are not in the schema."""
    found: dict[int, set[str]] = defaultdict(set)
    trees = []
    base = Path(settings.BASE_DIR).resolve()
    for path in _source_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        own = base in path.parents and "site-packages" not in path.parts
        # For error_code_calls_unresolved, which checks Fanfare's own code only.
        tree.fanfare_path = str(path.relative_to(base)) if own else ""
        trees.append(tree)
    _classes_in_source(trees, classes)
    for status, code, _positional in classes.values():
        found[status].add(code)
    helpers = _error_helpers(trees, classes)
    for tree in trees:
        found[403] |= _permission_codes(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _callee_name(node) in helpers:
                index, name, status = helpers[_callee_name(node)]
                keywords = {kw.arg: kw.value for kw in node.keywords if kw.arg}
                if name in keywords:
                    found[status] |= _literal_strings(keywords[name])
                elif index is not None and len(node.args) > index:
                    found[status] |= _literal_strings(node.args[index])
                continue
            if not isinstance(node, ast.Call) or _callee_name(node) not in classes:
                continue
            status, default_code, positional = classes[_callee_name(node)]
            keywords = {kw.arg: kw.value for kw in node.keywords if kw.arg}
            if "status_code" in keywords:
                status = _literal_status(keywords["status_code"]) or status
            if "code" in keywords:
                codes = _literal_strings(keywords["code"])
            elif positional and len(node.args) > _POSITIONAL_CODE_INDEX:
                codes = _literal_strings(node.args[_POSITIONAL_CODE_INDEX])
            else:
                codes = {default_code}
            own = getattr(tree, "fanfare_path", "")
            if not codes and unresolved is not None and own and not _is_parameter(node, helpers_of=tree):
                unresolved.append(f"{own}:{node.lineno}")
            found[status] |= codes
    return found


def _is_parameter(call: ast.Call, *, helpers_of: ast.AST) -> bool:
    """Whether the call's code is a parameter of the function it is in (a helper: its callers'
    codes are read instead)."""
    code = next((kw.value for kw in call.keywords if kw.arg == "code"), None)
    if not isinstance(code, ast.Name):
        return False
    for function in ast.walk(helpers_of):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef) and call in ast.walk(function):
            names = {a.arg for a in function.args.args + function.args.kwonlyargs + function.args.posonlyargs}
            if code.id in names:
                return True
    return False


def error_code_calls_unresolved() -> list[str]:
    """``path:line`` of error calls whose code cannot be read from the source (a computed code).
    A test keeps this list to the known ones: a new computed code would be missing from the schema."""
    unresolved: list[str] = []
    _codes_in_source(_error_classes(), unresolved)
    return unresolved


def _validation_codes() -> set[str]:
    """The codes DRF's fields and Django's validators give field errors."""
    from django.core import validators
    from rest_framework import fields, serializers

    codes: set[str] = set()
    for cls in [fields.Field, *_all_subclasses(fields.Field)]:
        for klass in inspect.getmro(cls):
            codes |= set(getattr(klass, "default_error_messages", {}) or {})
    codes |= set(serializers.Serializer.default_error_messages)
    for _name, obj in inspect.getmembers(validators, inspect.isclass):
        code = getattr(obj, "code", None)
        if isinstance(code, str):
            codes.add(code)
    codes |= {"unique", "does_not_exist", "incorrect_type", "no_match", "max_string_length"}
    return codes


@functools.cache
def error_codes() -> dict[int, frozenset[str]]:
    """Every code the API can return, by status."""
    classes = _error_classes()
    codes: dict[int, set[str]] = defaultdict(set)
    for status, code, _positional in classes.values():
        codes[status].add(code)
    for status, found in _codes_in_source(classes).items():
        codes[status] |= found
    for status, loose in _LOOSE_CODES.items():
        codes[status] |= loose
    # An error class that passes on codes from outside (Stripe's decline codes) lists them as
    # ``other_codes`` and is raised through a constructor that keeps to them.
    from core.errors import ApplicationError

    for cls in _all_subclasses(ApplicationError):
        codes[int(cls.status_code)] |= set(getattr(cls, "other_codes", ()))
    codes[400] |= _validation_codes()
    return {status: frozenset(found) for status, found in sorted(codes.items()) if 400 <= status < 600}
