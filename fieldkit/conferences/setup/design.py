"""A conference design (programme, rounds, tasks, rules) read from YAML and checked.

The format is the one of ``data/dialogkonferanse_storbysatsingen.yaml``: ``header``,
``subheader``, ``participant_categories``, ``sessions`` (each with ``title``, ``label``,
``group_composition``, optional ``preamble`` and ``tasks``), ``rules_title``, ``rules`` and
``plenary``. Optional keys: ``place``, ``date`` (YYYY-MM-DD), ``organiser``, ``introduction``,
``programme`` (a list of ``{time: "09:00", title: "...", session: 1}``) and
``example_points_*`` (ignored here; the demo uses them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any

import yaml

from fieldkit.core.nesting import MAX_DEPTH, BoundedSafeLoader, NestingError, flow_too_deep

#: A design's size: PyYAML reads some 150 KB a second, and a design is a few KB.
MAX_DESIGN_BYTES = 256 * 1024

#: The designs that come with fieldkit (the feature's data folder).
DATA_PATH = Path(__file__).resolve().parents[1] / "data"
DEMO_DESIGN = DATA_PATH / "dialogkonferanse_storbysatsingen.yaml"


class DesignError(ValueError):
    """The design cannot be used; the message names the file and the key."""


@dataclass
class RoundDesign:
    title: str
    label: str = ""
    preamble: str = ""
    group_composition: str = ""
    tasks: list[str] = field(default_factory=list)


@dataclass
class ProgrammeDesign:
    title: str
    starts_at: time | None = None
    #: 1-based number of the round this item is, or None.
    session: int | None = None


@dataclass
class Design:
    title: str
    subtitle: str = ""
    place: str = ""
    date: date | None = None
    organiser: str = ""
    introduction: str = ""
    categories: list[str] = field(default_factory=list)
    rounds: list[RoundDesign] = field(default_factory=list)
    rules_title: str = ""
    rules: list[str] = field(default_factory=list)
    plenary_rules: list[str] = field(default_factory=list)
    programme: list[ProgrammeDesign] = field(default_factory=list)


def default_programme(round_titles: list[str]) -> list[ProgrammeDesign]:
    """Innledning, then each round of group work followed by a plenum, then Avslutning."""
    items = [ProgrammeDesign("Innledning")]
    for number, title in enumerate(round_titles, start=1):
        items.append(ProgrammeDesign(title, session=number))
        items.append(ProgrammeDesign("Plenum"))
    items.append(ProgrammeDesign("Avslutning"))
    return items


def _text(value: Any, where: str, *, required: bool = False) -> str:
    if value is None:
        if required:
            raise DesignError(f"{where}: missing")
        return ""
    if not isinstance(value, str | int | float):
        raise DesignError(f"{where}: expected text, got {type(value).__name__}")
    text = str(value).strip()
    if required and not text:
        raise DesignError(f"{where}: empty")
    return text


def _texts(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise DesignError(f"{where}: expected a list")
    return [_text(item, f"{where}[{i + 1}]", required=True) for i, item in enumerate(value)]


def parse_time(value: Any, where: str) -> time | None:
    """A time like 09:30 (or 9.30); None when blank; ``where`` names it in the error."""
    if value in (None, ""):
        return None
    raw = str(value).strip().replace(".", ":")
    try:
        hours, minutes = raw.split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise DesignError(f"{where}: {value!r} is not a time like 09:30") from None


def parse_design(data: Any, source: str = "design") -> Design:
    """Check a design read from YAML and return it; ``source`` names it in error messages."""
    if not isinstance(data, dict):
        raise DesignError(f"{source}: expected a mapping at the top")
    title = _text(data.get("title") or data.get("header"), f"{source}: header", required=True)
    raw_date = data.get("date")
    if raw_date in (None, ""):
        day = None
    elif isinstance(raw_date, date):
        day = raw_date
    else:
        try:
            day = date.fromisoformat(str(raw_date))
        except ValueError:
            raise DesignError(
                f"{source}: date: {raw_date!r} is not a date like 2006-05-24"
            ) from None
    sessions = data.get("sessions")
    if not isinstance(sessions, list) or not sessions:
        raise DesignError(f"{source}: sessions: expected a list of rounds of group work")
    rounds = []
    for number, raw in enumerate(sessions, start=1):
        where = f"{source}: sessions[{number}]"
        if not isinstance(raw, dict):
            raise DesignError(f"{where}: expected a mapping")
        tasks = _texts(raw.get("tasks"), f"{where}.tasks")
        if not tasks:
            raise DesignError(f"{where}.tasks: a round needs at least one task")
        rounds.append(
            RoundDesign(
                title=_text(raw.get("title"), f"{where}.title", required=True),
                label=_text(raw.get("label"), f"{where}.label"),
                preamble=_text(raw.get("preamble"), f"{where}.preamble"),
                group_composition=_text(raw.get("group_composition"), f"{where}.group_composition"),
                tasks=tasks,
            )
        )
    programme = []
    raw_programme = data.get("programme")
    if raw_programme is None:
        programme = default_programme([r.title for r in rounds])
    elif not isinstance(raw_programme, list):
        raise DesignError(f"{source}: programme: expected a list")
    else:
        for number, raw in enumerate(raw_programme, start=1):
            where = f"{source}: programme[{number}]"
            if not isinstance(raw, dict):
                raise DesignError(f"{where}: expected a mapping")
            session = raw.get("session")
            if session is not None and (
                not isinstance(session, int) or not 1 <= session <= len(rounds)
            ):
                raise DesignError(f"{where}.session: expected a round number 1–{len(rounds)}")
            programme.append(
                ProgrammeDesign(
                    title=_text(raw.get("title"), f"{where}.title", required=True),
                    starts_at=parse_time(raw.get("time"), f"{where}.time"),
                    session=session,
                )
            )
    return Design(
        title=title,
        subtitle=_text(data.get("subtitle") or data.get("subheader"), f"{source}: subheader"),
        place=_text(data.get("place"), f"{source}: place"),
        date=day,
        organiser=_text(data.get("organiser"), f"{source}: organiser"),
        introduction=_text(data.get("introduction"), f"{source}: introduction"),
        categories=_texts(data.get("participant_categories"), f"{source}: participant_categories"),
        rounds=rounds,
        rules_title=_text(data.get("rules_title"), f"{source}: rules_title"),
        rules=_texts(data.get("rules"), f"{source}: rules"),
        plenary_rules=_texts(data.get("plenary"), f"{source}: plenary"),
        programme=programme,
    )


def read_design(text: str | bytes, source: str = "design") -> Design:
    """Parse YAML text into a checked design."""
    if len(text) > MAX_DESIGN_BYTES:
        raise DesignError(f"{source}: larger than {MAX_DESIGN_BYTES // 1024} KB")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DesignError(f"{source}: not UTF-8 text") from None
    try:
        deep_at = flow_too_deep(text)
        if deep_at is not None:
            raise NestingError("YAML nested too deeply", deep_at)
        data = yaml.load(text, Loader=BoundedSafeLoader)  # noqa: S506 - a SafeLoader subclass
    except NestingError as exc:
        if exc.alias:
            raise DesignError(f"{source}: line {exc.line}: aliases (*name) are not read") from None
        raise DesignError(
            f"{source}: line {exc.line}: nested deeper than {MAX_DEPTH} levels"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise DesignError(f"{source}:{where} is not valid YAML") from None
    return parse_design(data, source)


def load_design_file(path: str | Path) -> Design:
    """Read and check the design in the YAML file ``path``."""
    path = Path(path)
    return read_design(path.read_bytes(), path.name)


def example_points(path: str | Path = DEMO_DESIGN) -> dict[str, list[str]]:
    """The sample points of a design file, by key (``example_points_bergen_task1`` ...)."""
    data = yaml.safe_load(Path(path).read_bytes())
    return {k: list(v) for k, v in data.items() if k.startswith("example_points_")}
