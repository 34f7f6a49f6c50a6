"""Typed strategy parameters: a nested ``Params`` class, checked values, and CLI strings read.

A strategy declares its parameters as annotated class attributes of a nested ``Params``
class (``fast: int = 10``); the class becomes a frozen dataclass when the strategy class is
created, so a bad declaration fails at import. Strategies with plain ``__init__`` arguments
need nothing: their annotations (or defaults) type the values the CLI reads for them.
"""

from __future__ import annotations

import dataclasses
import inspect
import numbers
import sys
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Parameter types whose values the CLI reads from text and the constructor checks.
SUPPORTED = (int, float, bool, str)
# Strategy.__init__'s own arguments: a Params field of one of these names would be ambiguous.
RESERVED = frozenset({"name", "cache_size", "sizer"})
# The default of a parameter without one (dataclasses.MISSING cannot be a field default).
REQUIRED: Any = type("Required", (), {"__repr__": lambda self: "REQUIRED"})()
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


@dataclass(frozen=True)
class Parameter:
    """One parameter a strategy takes: its type (None when untyped) and default."""

    name: str
    type: type | None
    optional: bool = False  # None is a valid value
    default: Any = REQUIRED

    @property
    def required(self) -> bool:
        """Whether the constructor needs a value for it."""
        return self.default is REQUIRED


def prepare(owner: type) -> type | None:
    """The owner's ``Params`` as a frozen dataclass (made one if it is a plain class), checked:
    supported annotations only, no name of Strategy's own arguments. None without Params."""
    params = owner.__dict__.get("Params")
    if params is None:
        inherited = getattr(owner, "Params", None)
        return inherited if isinstance(inherited, type) else None
    if not isinstance(params, type):
        raise TypeError(f"{owner.__name__}.Params must be a class, got {params!r}")
    # A subclass of a dataclass looks like one; only its own decoration counts.
    if "__dataclass_params__" in vars(params):
        if not params.__dataclass_params__.frozen:  # type: ignore[attr-defined]
            raise TypeError(f"{owner.__name__}.Params must be a frozen dataclass (frozen=True)")
    else:
        _refuse_unannotated(owner.__name__, params)
        params = dataclasses.dataclass(frozen=True)(params)
    for spec in _fields(owner.__name__, params).values():
        if not spec.required:  # a bad default fails when the class is made, not at run time
            convert(f"{owner.__name__}.Params:", spec, spec.default)
        if spec.name in RESERVED:
            raise TypeError(
                f"{owner.__name__}.Params.{spec.name}: {spec.name!r} is an argument of "
                "Strategy itself; give the parameter another name"
            )
    return params


def _refuse_unannotated(owner: str, params: type) -> None:
    # A plain `fast = 10` is no dataclass field: it would be silently ignored.
    annotated = getattr(params, "__annotations__", {})
    for name, value in vars(params).items():
        if name.startswith("_") or name in annotated or callable(value):
            continue
        if isinstance(value, (classmethod, staticmethod, property)):
            continue
        shown = type(value).__name__
        raise TypeError(
            f"{owner}.Params.{name} has no annotation; declare it as {name}: {shown} = {value!r}"
        )


def declared(owner: type) -> dict[str, Parameter]:
    """The parameters of the owner's Params class, in declaration order; {} without one."""
    params = getattr(owner, "Params", None)
    if not (isinstance(params, type) and dataclasses.is_dataclass(params)):
        return {}
    return _fields(owner.__name__, params)


def accepted(owner: type) -> dict[str, Parameter]:
    """What the owner's constructor takes by keyword: its Params fields, and the named
    arguments of its own ``__init__`` when it has one (with its annotations or defaults)."""
    from alphaforge.strategy import Strategy

    found = declared(owner)
    init = owner.__init__  # type: ignore[misc]
    if init is Strategy.__init__:
        return found
    signature = inspect.signature(init)
    hints = _hints(init)
    own: dict[str, Parameter] = {}
    takes_rest = False
    for name, p in list(signature.parameters.items())[1:]:  # after self
        if p.kind is inspect.Parameter.VAR_KEYWORD:
            takes_rest = True
        elif p.kind is not inspect.Parameter.VAR_POSITIONAL:
            own[name] = _from_argument(name, p, hints.get(name))
    # Params fields reach Strategy.__init__ only through a **kwargs of the subclass.
    return {**own, **found} if takes_rest else own


def open_ended(owner: type) -> bool:
    """Whether the constructor takes any keyword: its own ``__init__`` has a ``**kwargs``
    and no Params class says which names it passes on."""
    from alphaforge.strategy import Strategy

    init = owner.__init__  # type: ignore[misc]
    if init is Strategy.__init__ or declared(owner):
        return False
    kinds = [p.kind for p in inspect.signature(init).parameters.values()]
    return inspect.Parameter.VAR_KEYWORD in kinds


def takes_symbol(owner: type) -> bool:
    """Whether the constructor takes a `symbol` keyword."""
    return "symbol" in accepted(owner)


def check(owner: type, values: Mapping[str, Any]) -> dict[str, Any]:
    """`values` for the owner's Params checked and converted (an int for a float is a float);
    TypeError or ValueError naming the parameter and the value, or an unknown name."""
    specs = declared(owner)
    unknown = [n for n in values if n not in specs]
    if unknown:
        raise ValueError(
            f"{owner.__name__} has no parameter {unknown[0]!r}; it takes {list(specs)}"
        )
    missing = [s.name for s in specs.values() if s.required and s.name not in values]
    if missing:
        raise ValueError(f"{owner.__name__} needs a value for parameter {missing[0]!r}")
    # Defaults are converted too: `slow: float = 30` gives 30.0.
    given = {s.name: s.default for s in specs.values() if not s.required} | dict(values)
    return {name: convert(owner.__name__, specs[name], value) for name, value in given.items()}


def build(owner: type, values: Mapping[str, Any]) -> Any:
    """An instance of the owner's Params from checked `values`; a __post_init__ check that
    raises ValueError is reported with the owner's name."""
    params = owner.Params  # type: ignore[attr-defined]
    checked = check(owner, values)
    try:
        return params(**checked)
    except ValueError as error:
        raise ValueError(f"{owner.__name__} parameters {checked}: {error}") from None


def convert(owner: str, spec: Parameter, value: Any) -> Any:
    """`value` as the parameter's type; TypeError naming both when it is not one."""
    if value is None and spec.optional:
        return None
    kind = spec.type
    if kind is None:
        return value
    flag = isinstance(value, bool)  # a bool is an int to Python, never to a parameter
    ok = (
        (kind is bool and flag)
        or (kind is int and not flag and isinstance(value, numbers.Integral))
        or (kind is float and not flag and isinstance(value, numbers.Real))
        or (kind is str and isinstance(value, str))
    )
    if not ok:
        raise TypeError(
            f"{owner} parameter {spec.name!r} must be {_a(kind)}{' or None' * spec.optional}, "
            f"got {value!r} ({type(value).__name__})"
        )
    return kind(value)


def parse(owner: type, name: str, text: str) -> Any:
    """The value of ``--param name=text`` for the owner's constructor: read as the declared
    or annotated type; an untyped one as an int, a float, or else the text."""
    specs = accepted(owner)
    spec = specs.get(name)
    if spec is None:
        raise ValueError(
            f"{owner.__name__} takes no parameter {name!r}; it takes "
            f"{[n for n in specs if n != 'symbol']}"
        )
    if spec.optional and text.lower() == "none":
        return None
    kind = spec.type
    if kind is None:
        return _scalar(text)
    if kind is bool:
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
    else:
        try:
            return kind(text)
        except ValueError:
            pass
    raise ValueError(f"{owner.__name__} parameter {name!r} must be {_a(kind)}, got {text!r}")


def _fields(owner: str, params: type) -> dict[str, Parameter]:
    hints = _hints(params)
    out: dict[str, Parameter] = {}
    for f in dataclasses.fields(params):
        kind, optional = _kind(f"{owner}.Params.{f.name}", hints.get(f.name, f.type))
        default = REQUIRED if f.default is dataclasses.MISSING else f.default
        if f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        out[f.name] = Parameter(f.name, kind, optional, default)
    return out


def _from_argument(name: str, p: inspect.Parameter, hint: Any) -> Parameter:
    """A plain __init__ argument: typed by a supported annotation, else untyped."""
    default = REQUIRED if p.default is inspect.Parameter.empty else p.default
    if hint is not None:
        try:
            kind, optional = _kind(name, hint)
        except TypeError:  # an annotation the CLI cannot read: the value goes as given
            return Parameter(name, None, True, default)
        return Parameter(name, kind, optional, default)
    return Parameter(name, None, True, default)


def _kind(where: str, hint: Any) -> tuple[type, bool]:
    """(type, accepts None) of a supported annotation: int, float, bool, str, or X | None."""
    if hint in SUPPORTED:
        return hint, False
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        rest = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(rest) == 1 and rest[0] in SUPPORTED:
            return rest[0], True
    shown = hint.__name__ if isinstance(hint, type) else str(hint)
    raise TypeError(
        f"{where}: {shown} is not a supported parameter type (int, float, bool, str, "
        "or one of them | None)"
    )


def _hints(obj: Any) -> dict[str, Any]:
    """Resolved annotations (strings under ``from __future__ import annotations``); one that
    names something unknown stays a string, which the callers report or leave untyped."""
    try:
        return typing.get_type_hints(obj)
    except (NameError, TypeError, AttributeError):
        pass
    module = sys.modules.get(getattr(obj, "__module__", ""))
    namespace = dict(vars(module)) if module is not None else {}
    out: dict[str, Any] = {}
    for name, hint in getattr(obj, "__annotations__", {}).items():
        try:
            out[name] = eval(hint, namespace) if isinstance(hint, str) else hint
        except Exception:  # any failure to resolve leaves the text, reported by the caller
            out[name] = hint
    return out


def _scalar(text: str) -> Any:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text


def _a(kind: type) -> str:
    return {int: "an int", float: "a float", bool: "a bool", str: "a str"}[kind]
