"""Label schemas: which event types and slot types a dataset and a model use.

Labels live in a YAML file, never in code, so that users can retrain on their own
annotations. The shipped default describes ``../shared/ANNOTATION-SCHEME.md``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from rasd.errors import SchemaError

OUTSIDE = "O"


@dataclass
class LabelSchema:
    """Event types (sentence level) and slot types (span level, tagged IOB2).

    >>> s = LabelSchema(name="x", event_types=["attack", "none"], slot_types=["LOC"])
    >>> s.bio_labels
    ['O', 'B-LOC', 'I-LOC']
    """

    name: str
    event_types: list[str]
    slot_types: list[str]
    none_event: str | None = None
    multi_label: bool = False
    event_info: dict[str, dict[str, str]] = field(default_factory=dict)
    slot_info: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for kind, labels in (("event type", self.event_types), ("slot type", self.slot_types)):
            dupes = {x for x in labels if labels.count(x) > 1}
            if dupes:
                raise SchemaError(f"schema {self.name!r}: duplicate {kind}(s) {sorted(dupes)}")
        for slot in self.slot_types:
            if not slot or slot == OUTSIDE or slot[:2] in ("B-", "I-", "E-", "S-") or " " in slot:
                raise SchemaError(f"schema {self.name!r}: slot type {slot!r} is not a valid tag name")
        if self.none_event is not None and self.none_event not in self.event_types:
            raise SchemaError(f"schema {self.name!r}: none_event {self.none_event!r} is not among event_types")

    @property
    def bio_labels(self) -> list[str]:
        """IOB2 tag set in a stable order: O, then B-/I- per slot type."""
        return [OUTSIDE] + [f"{p}-{t}" for t in self.slot_types for p in ("B", "I")]

    def acled_sub_event(self, event_type: str) -> str:
        return self.event_info.get(event_type, {}).get("acled_sub_event", event_type)

    @classmethod
    def from_dict(cls, obj: dict[str, Any], *, source: str = "<dict>") -> LabelSchema:
        if not isinstance(obj, dict):
            raise SchemaError(f"{source}: a label schema must be a mapping")
        unknown = set(obj) - {"name", "multi_label", "none_event", "event_types", "slot_types"}
        if unknown:
            raise SchemaError(f"{source}: unknown schema key(s) {sorted(unknown)}")
        events, slots = obj.get("event_types") or {}, obj.get("slot_types") or {}
        if not events and not slots:
            raise SchemaError(f"{source}: a schema needs event_types and/or slot_types")

        def as_mapping(value: Any, key: str) -> dict[str, Any]:
            if isinstance(value, list):
                return {str(v): {} for v in value}
            if isinstance(value, dict):
                return {str(k): (v or {}) for k, v in value.items()}
            raise SchemaError(f"{source}: {key} must be a list or a mapping")

        ev, sl = as_mapping(events, "event_types"), as_mapping(slots, "slot_types")
        return cls(
            name=str(obj.get("name", Path(source).stem)),
            event_types=list(ev),
            slot_types=list(sl),
            none_event=obj.get("none_event"),
            multi_label=bool(obj.get("multi_label", False)),
            event_info={k: v for k, v in ev.items() if isinstance(v, dict)},
            slot_info={k: v for k, v in sl.items() if isinstance(v, str)},
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "multi_label": self.multi_label,
            "none_event": self.none_event,
            "event_types": {e: self.event_info.get(e, {}) for e in self.event_types},
            "slot_types": {s: self.slot_info.get(s, "") for s in self.slot_types},
        }

    @classmethod
    def from_yaml(cls, path: str | Path) -> LabelSchema:
        path = Path(path)
        if not path.is_file():
            raise SchemaError(f"label schema file not found: {path}")
        try:
            obj = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as e:
            raise SchemaError(f"{path}: not valid YAML: {e}") from None
        return cls.from_dict(obj, source=str(path))

    def save(self, path: str | Path) -> None:
        Path(path).write_text(yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False), encoding="utf-8")

    @classmethod
    def default(cls) -> LabelSchema:
        ref = resources.files("rasd.resources").joinpath("default_schema.yaml")
        with resources.as_file(ref) as path:
            return cls.from_yaml(path)

    @classmethod
    def load(cls, name_or_path: str | Path | None) -> LabelSchema:
        """``None`` or ``"default"`` gives the shipped schema; anything else is a YAML path."""
        if name_or_path is None or str(name_or_path) == "default":
            return cls.default()
        return cls.from_yaml(name_or_path)

    @classmethod
    def infer(cls, records: Iterable[Any], *, name: str = "inferred") -> LabelSchema:
        """A schema holding exactly the labels seen in the records (sorted), for data without a schema file."""
        events: set[str] = set()
        slots: set[str] = set()
        multi = False
        for r in records:
            events.update(r.event_labels)
            multi = multi or isinstance(r.event_type, list)
            slots.update(s.label for s in r.spans)
        return cls(name=name, event_types=sorted(events), slot_types=sorted(slots), multi_label=multi,
                   none_event="none" if "none" in events else None)
