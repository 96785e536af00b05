"""Which columns are which: a small declarative mapping, in the spirit of
``networkx.from_pandas_edgelist(df, source="city_a", target="city_b")``.

Without a mapping, the kind of file is told from its columns and each field is found
under its default column names (see :mod:`gnlc.loaders.fields`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from gnlc.errors import InputError
from gnlc.loaders.fields import KINDS, SIGNATURES, FieldSpec
from gnlc.loaders.normalise import fold


@dataclass(frozen=True)
class Mapping:
    """kind: one of KINDS (None: told from the columns); columns: field -> column name;
    strict: every column must be mapped or known, else the file is refused."""

    kind: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    strict: bool = False
    defaults: dict[str, object] = field(default_factory=dict)  # field -> value for rows without one

    @classmethod
    def parse(
        cls, *, kind: str | None = None, pairs: list[str] | None = None, strict: bool = False, file: Path | None = None
    ) -> Mapping:
        """From CLI options: ``--kind links --map source=city_a --map target=city_b``, or a
        JSON file ``{"kind": "links", "columns": {"source": "city_a"}, "strict": true}``."""
        columns: dict[str, str] = {}
        if file is not None:
            try:
                data = json.loads(Path(file).read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as exc:
                raise InputError(f"mapping file {file}: {exc}") from None
            kind = kind or data.get("kind")
            columns.update(data.get("columns", {}))
            strict = strict or bool(data.get("strict", False))
        for pair in pairs or []:
            name, sep, column = pair.partition("=")
            if not sep or not name.strip() or not column.strip():
                raise InputError(f"mapping {pair!r}: expected FIELD=COLUMN, e.g. source=city_a")
            columns[name.strip()] = column.strip()
        if kind is not None and kind not in KINDS:
            raise InputError(f"kind {kind!r}: expected one of {', '.join(KINDS)}")
        if kind:
            unknown = set(columns) - {f.name for f in KINDS[kind]}
            if unknown:
                raise InputError(
                    f"mapping names unknown field(s) {sorted(unknown)} for kind {kind!r}; "
                    f"fields are: {', '.join(f.name for f in KINDS[kind])}"
                )
        return cls(kind, columns, strict)


def detect_kind(columns: list[str], label: str) -> str:
    have = {fold(c).replace(" ", "_") for c in columns}
    for kind, needed in SIGNATURES:
        if needed <= have:
            return kind
    raise InputError(
        f"{label}: cannot tell what the file holds from its columns {columns}; "
        f"give --kind ({', '.join(KINDS)}) or check the delimiter"
    )


def bind_columns(columns: list[str], mapping: Mapping, label: str) -> tuple[str, dict[str, str]]:
    """Return (kind, field -> column). Raises InputError for a missing required column or,
    in a strict mapping, an unknown column."""
    kind = mapping.kind or detect_kind(columns, label)
    specs: tuple[FieldSpec, ...] = KINDS[kind]
    by_fold = {fold(c).replace(" ", "_"): c for c in columns}
    bound: dict[str, str] = {}
    claimed: set[str] = set()
    for spec in specs:
        col: str | None
        if spec.name in mapping.columns:
            col = mapping.columns[spec.name]
            if col not in columns:
                raise InputError(
                    f"{label}: the mapping says {spec.name}={col!r}, but there is no column {col!r}; "
                    f"columns are {columns}"
                )
        else:
            col = next((by_fold[c] for c in spec.candidates if c in by_fold and by_fold[c] not in claimed), None)
        if col is not None:
            bound[spec.name] = col
            claimed.add(col)
        elif spec.required:
            raise InputError(
                f"{label}: missing required column {spec.name!r} for {kind} "
                f"(looked for {', '.join(repr(c) for c in spec.candidates)}); columns are {columns}"
            )
    if mapping.strict:
        unknown = [c for c in columns if c not in claimed]
        if unknown:
            raise InputError(f"{label}: unknown column(s) {unknown} in a strict mapping for {kind}")
    return kind, bound
