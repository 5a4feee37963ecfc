"""The error-code registry (protocol/error_codes.py): every code the source tree uses is listed once."""

import ast
import pathlib
import re

import pytest

from protocol import ERROR_CODES, ClientError, error_body

ROOT = pathlib.Path(__file__).resolve().parents[2]
PACKAGES = ("protocol", "pipeline", "streaming", "media", "web", "bridge")
# Calls that take an error code, and where it goes when given by position.
MAKERS = {"ClientError": 1, "FrameError": 1, "SettingsError": 1, "MediaError": 1,
          "error_body": 0, "error_code": 0}
# Refusals the bridge reads as fatal (bridge/uplink.py): codes too, as dict keys.
CODE_TABLES = {"FATAL"}
# The page compares a server's code, or a failure's cause, with a literal.
JS_CODE = re.compile(r"\b(?:code|cause)\s*[!=]==?\s*'([A-Za-z0-9_]+)'")
PAGE_CAUSES = {"network", "closed"}  # the page's own causes of a failure (connection.js HINTS)


def python_files():
    """Yield every Python file of the server and the bridge."""
    yield ROOT / "process.py"
    for package in PACKAGES:
        yield from (ROOT / package).rglob("*.py")


def _name(func):
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)


def _code_arg(call):
    """Return the expression a call gives as its error code, or None if it gives none."""
    for keyword in call.keywords:
        if keyword.arg == "code":
            return keyword.value
    position = MAKERS.get(_name(call.func))
    if position is not None and len(call.args) > position:
        return call.args[position]
    return None


def codes_in(tree):
    """Return (literal codes, code expressions that are not plain names) used in a module."""
    found, opaque = set(), []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            arg = _code_arg(node)
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.add(arg.value)
            elif arg is not None and not isinstance(arg, (ast.Name, ast.Attribute)):
                opaque.append(ast.unparse(arg))  # "bad_" + name: no test could check it
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if (isinstance(key, ast.Constant) and key.value == "code"
                        and isinstance(value, ast.Constant) and isinstance(value.value, str)):
                    found.add(value.value)
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
            if any(_name(target) in CODE_TABLES for target in node.targets):
                found.update(key.value for key in node.value.keys if isinstance(key, ast.Constant))
        elif isinstance(node, ast.ClassDef):
            for line in node.body:  # class FrameError(ClientError): code = "bad_frame"
                if (isinstance(line, ast.Assign) and [_name(t) for t in line.targets] == ["code"]
                        and isinstance(line.value, ast.Constant)):
                    found.add(line.value.value)
    return found, opaque


def used_codes():
    """Return {code: [files that use it]} over the Python source and the page's scripts."""
    used = {}
    for path in python_files():
        found, opaque = codes_in(ast.parse(path.read_text(), str(path)))
        assert not opaque, f"{path.relative_to(ROOT)}: build error codes as literals: {opaque}"
        for code in found:
            used.setdefault(code, []).append(str(path.relative_to(ROOT)))
    for path in (ROOT / "static" / "js").glob("*.js"):
        for code in set(JS_CODE.findall(path.read_text())) - PAGE_CAUSES:
            used.setdefault(code, []).append(str(path.relative_to(ROOT)))
    return used


def test_every_code_the_source_uses_is_registered():
    used = used_codes()
    assert len(used) >= 30, sorted(used)  # the scan itself works: it finds the codes we know
    unknown = {code: files for code, files in used.items() if code not in ERROR_CODES}
    assert not unknown, f"add these to protocol/error_codes.py: {unknown}"


def test_every_registered_code_is_used_somewhere():
    unused = set(ERROR_CODES) - set(used_codes())
    assert not unused, f"registered but never raised (remove them): {sorted(unused)}"


def test_each_code_has_an_error_status_and_a_one_line_meaning():
    for name, code in ERROR_CODES.items():
        assert code.name == name and re.fullmatch(r"[a-z][a-z0-9_]*", name), name
        assert 400 <= code.status <= 599, (name, code.status)
        assert code.meaning.strip() and "\n" not in code.meaning, name


def test_no_such_source_has_one_code():
    assert "no_source" in ERROR_CODES
    assert not {"unknown_source"} & set(ERROR_CODES)


def test_an_unregistered_code_fails_at_once():
    with pytest.raises(ValueError, match="no_such_code"):
        ClientError("a message", code="no_such_code")
    with pytest.raises(ValueError, match="no_such_code"):
        error_body("no_such_code", "a message")
    with pytest.raises(ValueError, match="no_such_code"):
        type("Odd", (ClientError,), {"code": "no_such_code"})  # a subclass: at import


def test_an_error_takes_its_status_from_its_code_and_has_one_body():
    refused = ClientError("nobody by that name", code="no_source")
    assert refused.status == 404
    assert refused.as_event() == error_body("no_source", "nobody by that name")
    assert refused.as_event(seq=3) == {"code": "no_source", "message": "nobody by that name", "seq": 3}
    assert ClientError("busy", code="too_many_renditions", status=503).status == 503
