"""The common model's objects stay what the rest of the code counts on: frozen, equal by value,
hashable, built with the dataclass signature (their ``__init__`` is our faster one, see
``connector.model._direct_init``). The values a plan makes in bulk (``plan_record``) are frozen
for the type checker and plain slots at run time: mypy must refuse to assign their fields."""

from __future__ import annotations

import dataclasses
import inspect
import pickle
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from mypy import api

from connector import model
from connector.model import (
    BackorderEntry,
    BackorderEvent,
    Money,
    Notification,
    NotificationLine,
    OrderAction,
    OrderLine,
    SkippedPayload,
    StorefrontChange,
)

PLAN_RECORDS = [
    BackorderEntry,
    BackorderEvent,
    Notification,
    NotificationLine,
    OrderAction,
    StorefrontChange,
]

MODEL_TYPES = [
    value
    for value in vars(model).values()
    if isinstance(value, type) and dataclasses.is_dataclass(value)
]
AT = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def entry(**changes: object) -> BackorderEntry:
    fields: dict[str, object] = {
        "shop": "demo",
        "sku": "SOFA-OAK",
        "order_id": "O1",
        "line_id": "O1-0",
        "customer_email": "ada@example.com",
        "ordered_at": AT,
        "waiting": 2,
    }
    fields.update(changes)
    return BackorderEntry(**fields)  # type: ignore[arg-type]


def test_every_model_type_is_covered() -> None:
    assert len(MODEL_TYPES) >= 17
    assert BackorderEntry in MODEL_TYPES and Money in MODEL_TYPES


@pytest.mark.parametrize("cls", MODEL_TYPES, ids=lambda cls: cls.__name__)
def test_signature_is_the_dataclass_one(cls: type) -> None:
    params = list(inspect.signature(cls).parameters.values())
    fields = dataclasses.fields(cls)
    assert [p.name for p in params] == [f.name for f in fields]
    for param, item in zip(params, fields, strict=True):
        expected = inspect.Parameter.empty if item.default is dataclasses.MISSING else item.default
        assert param.default == expected
        assert param.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD


def test_inputs_stay_frozen_at_run_time() -> None:
    line = OrderLine("L1", "O1", "V1", "SOFA-OAK", "Oak sofa", 2, Money(Decimal("10"), "EUR"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        line.quantity = 0  # type: ignore[misc]
    assert line.quantity == 2


def test_plan_records_are_frozen_for_the_type_checker(tmp_path: Path) -> None:
    names = ", ".join(cls.__name__ for cls in PLAN_RECORDS)
    probe = [f"from connector.model import {names}\n"]
    fields = {cls: dataclasses.fields(cls)[0].name for cls in PLAN_RECORDS}
    for cls, field in fields.items():
        probe.append(
            f"\n\ndef change_{cls.__name__}(record: {cls.__name__}) -> None:\n"
            f"    record.{field} = record.{field}\n"
        )
    (tmp_path / "probe.py").write_text("".join(probe))
    out, _, status = api.run(
        [str(tmp_path / "probe.py"), "--strict", "--cache-dir", str(tmp_path / "cache")]
    )
    assert status == 1, out
    for field in fields.values():
        assert f'Property "{field}" defined in' in out and "is read-only" in out, out
    assert f"Found {len(PLAN_RECORDS)} errors" in out, out


def test_objects_are_equal_and_hashable_by_value() -> None:
    first = entry(eta=date(2026, 12, 1), reason="covered by PO-1")
    assert first.waiting == 2
    same = entry(eta=date(2026, 12, 1), reason="covered by PO-1")
    assert first == same and hash(first) == hash(same) and first is not same
    assert first != entry(eta=date(2026, 12, 2), reason="covered by PO-1")
    assert dataclasses.replace(first, waiting=1).waiting == 1
    assert pickle.loads(pickle.dumps(first)) == first


def test_positional_and_keyword_calls_build_the_same_object() -> None:
    by_keyword = entry(allocated=1, position=3, priority=2, preorder=True, eta=None, reason="r")
    positional = BackorderEntry(
        "demo", "SOFA-OAK", "O1", "O1-0", "ada@example.com", AT, 2, 1, 3, 2, True, None, "r"
    )
    assert positional == by_keyword
    assert entry().allocated == 0 and entry().reason == ""  # defaults filled


def test_post_init_still_checks_and_normalises() -> None:
    assert Money(3, "eur") == Money(Decimal("3"), "EUR")
    with pytest.raises(ValueError, match="ISO 4217"):
        Money(Decimal("1"), "euro")


def test_missing_and_unknown_arguments_fail_like_a_dataclass() -> None:
    with pytest.raises(TypeError):
        BackorderEntry("demo", "SOFA-OAK")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        entry(colour="oak")


def test_a_field_hidden_from_repr_stays_hidden() -> None:
    skipped = SkippedPayload("demo", "order", "42", "no line items", payload='{"secret": 1}')
    assert "secret" not in repr(skipped)
    assert skipped.payload == '{"secret": 1}'


def test_annotations_are_kept_for_tools_that_read_the_signature() -> None:
    assert str(inspect.signature(Money)) == "(amount: 'Decimal', currency: 'str') -> None"


@pytest.mark.parametrize(
    "body",
    [
        "a: int\n    b: tuple = dataclasses.field(default_factory=tuple)",
        "a: int\n    _: dataclasses.KW_ONLY\n    b: int = 0",
        "a: int\n    b: dataclasses.InitVar[int] = 0",
        "a: int\n    b: int = dataclasses.field(default=0, init=False)",
    ],
    ids=["default_factory", "kw_only", "InitVar", "init=False"],
)
def test_fields_the_fast_init_cannot_build_are_refused(body: str) -> None:
    namespace: dict[str, object] = {"dataclasses": dataclasses}
    source = f"@dataclasses.dataclass(frozen=True, slots=True)\nclass C:\n    {body}"
    # Without this module's `from __future__ import annotations`: dataclasses must see the real
    # KW_ONLY and InitVar objects, not strings it cannot resolve here.
    exec(compile(source, "<test>", "exec", dont_inherit=True), namespace)
    with pytest.raises(TypeError, match="only plain fields"):
        model._direct_init(namespace["C"])  # type: ignore[arg-type]
