"""Load the TOML config into :class:`connector.settings.Settings`, validated once, every problem at once.

The accepted keys and their types are not listed here: they are read from the dataclasses in
:mod:`connector.settings`, so a field added there is accepted (and type-checked) automatically.
Conversion happens in one structural pass (unknown keys, wrong types, missing required keys, secrets),
then the store-owner rules in :mod:`connector.config_rules` look at what was converted. Nothing is built
until both passes found nothing wrong; then :class:`ConfigError` is never half-raised.

Secrets (fields typed :class:`~connector.settings.Secret`) must be written ``"env:NAME"`` and are read
from the environment; their values never appear in a message.
"""

from __future__ import annotations

import dataclasses
import difflib
import enum
import os
import tomllib
import types
import typing
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

from connector.errors import ConfigError, ConfigProblem
from connector.settings import Secret, Settings

__all__ = ["DATABASE_URL_ENV", "Node", "load_settings", "parse_settings"]

DATABASE_URL_ENV = "CONNECTOR_DATABASE_URL"
"""Environment variable that overrides ``database_url`` (handy for a password-bearing URL)."""

_MISSING = object()


@dataclasses.dataclass(slots=True)
class Node:
    """One table of the config after conversion: where it is, what it holds, what the file said.

    ``values`` holds every field that converted cleanly plus defaults for absent ones; ``raw_keys`` is
    what the file actually wrote (so a rule can tell "absent" from "present but broken").
    """

    cls: type[Any]
    path: str
    values: dict[str, Any]
    raw_keys: frozenset[str]

    def key(self, name: str) -> str:
        """The dotted key a problem names for field ``name`` of this table (``shops[acme].url``)."""
        return f"{self.path}.{name}" if self.path else name


class _Converter:
    """Walks raw TOML data along the settings dataclasses, collecting problems instead of raising."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.problems: list[ConfigProblem] = []
        self.nodes: list[Node] = []

    def problem(self, key: str, message: str) -> None:
        self.problems.append(ConfigProblem(key, message))

    # -- dataclasses -------------------------------------------------------------------------------

    def table(self, cls: type[Any], raw: object, path: str) -> Any:
        """Convert one TOML table into ``cls``; returns the instance, or _MISSING when it cannot be built."""
        if not isinstance(raw, Mapping):
            self.problem(path or "(top level)", f"expected a table, got {_type_name(raw)}")
            return _MISSING
        hints = typing.get_type_hints(cls)
        fields = {f.name: f for f in dataclasses.fields(cls)}
        values: dict[str, Any] = {}
        for key, value in raw.items():
            dotted = _join(path, str(key))
            if key not in fields:
                self.problem(dotted, _unknown_key_message(str(key), list(fields)))
                continue
            converted = self.value(hints[key], value, dotted)
            if converted is not _MISSING:
                values[key] = converted
        for name, spec in fields.items():
            if name in values or name in raw:
                continue
            if spec.default is not dataclasses.MISSING:
                values[name] = spec.default
            elif spec.default_factory is not dataclasses.MISSING:
                values[name] = spec.default_factory()
            else:
                self.problem(_join(path, name), "missing required key")
        self.nodes.append(Node(cls, path, values, frozenset(str(k) for k in raw)))
        if len(values) != len(fields):
            return _MISSING
        return cls(**values)

    def table_list(self, cls: type[Any], raw: object, path: str) -> Any:
        if not isinstance(raw, list):
            self.problem(path, f"expected an array of tables ([[{path}]]), got {_type_name(raw)}")
            return _MISSING
        built = []
        for index, item in enumerate(raw):
            label = index
            if isinstance(item, Mapping) and isinstance(item.get("name"), str) and item["name"]:
                label = item["name"]
            built.append(self.table(cls, item, f"{path}[{label}]"))
        if any(item is _MISSING for item in built):
            return _MISSING
        return tuple(built)

    # -- values ------------------------------------------------------------------------------------

    def value(self, hint: Any, raw: object, key: str) -> Any:
        """Convert ``raw`` to the type ``hint``; records a problem and returns _MISSING on failure."""
        origin = typing.get_origin(hint)
        args = typing.get_args(hint)
        if origin in (types.UnionType, typing.Union):
            # TOML has no null: an optional field is either absent (default) or a real value.
            inner = [a for a in args if a is not type(None)]
            return self.value(inner[0], raw, key)
        if origin is Literal:
            if raw in args and isinstance(raw, str):
                return raw
            return self._bad_choice(key, raw, [str(a) for a in args])
        if origin is tuple:
            return self._tuple(args[0], raw, key)
        if hint is Secret:
            return self._secret(raw, key)
        if dataclasses.is_dataclass(hint) and isinstance(hint, type):
            return self.table(hint, raw, key)
        if isinstance(hint, type) and issubclass(hint, enum.Enum):
            choices = [str(m.value) for m in hint]
            if isinstance(raw, str) and raw in choices:
                return hint(raw)
            return self._bad_choice(key, raw, choices)
        return self._scalar(hint, raw, key)

    def _tuple(self, item_hint: Any, raw: object, key: str) -> Any:
        if dataclasses.is_dataclass(item_hint) and isinstance(item_hint, type):
            return self.table_list(item_hint, raw, key)
        if not isinstance(raw, list):
            self.problem(key, f"expected a list, got {_type_name(raw)}")
            return _MISSING
        items = [self.value(item_hint, item, f"{key}[{i}]") for i, item in enumerate(raw)]
        if any(item is _MISSING for item in items):
            return _MISSING
        return tuple(items)

    def _scalar(self, hint: Any, raw: object, key: str) -> Any:
        if hint is bool:
            if isinstance(raw, bool):
                return raw
            return self._wrong_type(key, "true or false", raw)
        if hint is int:
            if isinstance(raw, int) and not isinstance(raw, bool):
                return raw
            return self._wrong_type(key, "a whole number", raw)
        if hint is float:
            if isinstance(raw, int | float) and not isinstance(raw, bool):
                return float(raw)
            return self._wrong_type(key, "a number", raw)
        if hint is Decimal:
            return self._decimal(raw, key)
        if hint is date:
            return self._date(raw, key)
        if hint is str:
            if isinstance(raw, str):
                return raw
            return self._wrong_type(key, "a string", raw)
        raise TypeError(f"settings type {hint!r} at {key} has no converter")  # a programming error

    def _decimal(self, raw: object, key: str) -> Any:
        if isinstance(raw, bool) or not isinstance(raw, int | float | str):
            return self._wrong_type(key, "a number", raw)
        try:
            return Decimal(str(raw))
        except InvalidOperation:
            self.problem(key, f"expected a number, got {raw!r}")
            return _MISSING

    def _date(self, raw: object, key: str) -> Any:
        if isinstance(raw, datetime):
            return self._wrong_type(key, "a date like 2027-03-01 (no time)", raw)
        if isinstance(raw, date):
            return raw
        if isinstance(raw, str):
            try:
                return date.fromisoformat(raw)
            except ValueError:
                pass
        return self._wrong_type(key, "a date like 2027-03-01", raw)

    def _secret(self, raw: object, key: str) -> Any:
        if not isinstance(raw, str) or not raw.startswith("env:"):
            # Never echo the value: it may be the secret itself.
            self.problem(
                key,
                "put secrets in the environment: write env:NAME here and set NAME "
                "(the value in the file was not used)",
            )
            return _MISSING
        name = raw[len("env:") :].strip()
        if not name:
            self.problem(key, "env: needs a variable name, e.g. env:SHOP_TOKEN")
            return _MISSING
        value = self.env.get(name)
        if not value:
            self.problem(key, f"environment variable {name} is not set")
            return _MISSING
        return Secret(value, source=f"env:{name}")

    def _wrong_type(self, key: str, expected: str, raw: object) -> Any:
        self.problem(key, f"expected {expected}, got {_type_name(raw)}")
        return _MISSING

    def _bad_choice(self, key: str, raw: object, choices: list[str]) -> Any:
        shown = repr(raw) if isinstance(raw, str) else _type_name(raw)
        hint = _did_you_mean(str(raw), choices) if isinstance(raw, str) else ""
        self.problem(key, f"unknown value {shown}; expected one of {', '.join(choices)}{hint}")
        return _MISSING


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _type_name(raw: object) -> str:
    if isinstance(raw, Mapping):
        return "a table"
    if isinstance(raw, list):
        return "a list"
    if isinstance(raw, bool):
        return "a boolean"
    if isinstance(raw, int | float):
        return "a number"
    if isinstance(raw, datetime):
        return "a date-time"
    if isinstance(raw, date):
        return "a date"
    if isinstance(raw, str):
        return "a string"
    return type(raw).__name__


def _did_you_mean(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


def _unknown_key_message(key: str, known: list[str]) -> str:
    hint = _did_you_mean(key, known)
    return f"unknown key{hint}" if hint else f"unknown key; known keys: {', '.join(sorted(known))}"


def _grouped(problems: list[ConfigProblem]) -> list[ConfigProblem]:
    """Problems grouped by section (in the settings' field order), then by key, so a shop's or a
    policy's problems read together whichever check found them."""
    order = {f.name: index for index, f in enumerate(dataclasses.fields(Settings))}

    def key(problem: ConfigProblem) -> tuple[int, str]:
        section = problem.key.split("[", 1)[0].split(".", 1)[0]
        return order.get(section, len(order)), problem.key

    return sorted(problems, key=key)


def parse_settings(
    data: Mapping[str, Any], env: Mapping[str, str] | None = None, source: str = ""
) -> Settings:
    """Validate already-parsed TOML ``data`` and build the immutable :class:`Settings`.

    ``env`` supplies ``env:NAME`` secrets and ``CONNECTOR_DATABASE_URL`` (default: ``os.environ``).
    Raises :class:`ConfigError` listing every problem; ``source`` names the file in its message.
    """
    from connector.config_rules import check_nodes
    from connector.config_rules_money import inherit_shop_payments, without_inherited

    env = os.environ if env is None else env
    data = dict(data)
    if env.get(DATABASE_URL_ENV):
        data["database_url"] = env[DATABASE_URL_ENV]
    default_policy = data.get("default_policy")
    if isinstance(default_policy, Mapping) and "name" not in default_policy:
        # The fallback policy has an obvious name; asking the owner to write it would be noise.
        data["default_policy"] = {"name": "default", **default_policy}
    if "shops" not in data:
        data["shops"] = []
    elif isinstance(data["shops"], list):
        data["shops"] = list(data["shops"])  # the caller's data stays as it was
    inherited = inherit_shop_payments(data)
    converter = _Converter(env)
    settings = converter.table(Settings, data, "")
    problems = without_inherited(converter.problems + check_nodes(converter.nodes), inherited)
    if problems or settings is _MISSING:
        raise ConfigError(_grouped(problems), source)
    assert isinstance(settings, Settings)
    return settings


def load_settings(path: Path | str, env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate the TOML config at ``path``. Raises :class:`ConfigError` (every problem)."""
    path = Path(path)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            [ConfigProblem("(file)", "not found; create one with `connector init`")], source
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError([ConfigProblem("(file)", f"cannot read: {error}")], source) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError([ConfigProblem("(syntax)", f"not valid TOML: {error}")], source) from None
    return parse_settings(data, env, source)
