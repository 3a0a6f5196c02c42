"""Pure report arithmetic over query results: percentiles, shares, chart shaping."""
import math
from typing import Iterable, Sequence


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile, as PostgreSQL's percentile_cont (None when empty)."""
    if not values:
        return None
    if not 0 <= q <= 1:
        raise ValueError("q must be within [0, 1]")
    ordered = sorted(values)
    pos = q * (len(ordered) - 1)
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def share(part: int, whole: int) -> float | None:
    """part / whole as a percentage rounded to 0.1 (None when whole is 0)."""
    return round(100.0 * part / whole, 1) if whole else None


def chart(title: str, headers: Sequence[str], rows: Iterable[Sequence], kind: str = "bar",
          series: Sequence[str] | None = None) -> dict:
    """A chart description: rows for the CSV, labels + datasets for Chart.js."""
    rows = [list(r) for r in rows]
    names = list(series or headers[1:])
    datasets = [{"label": name, "data": [r[i + 1] for r in rows]} for i, name in enumerate(names)]
    return {"title": title, "kind": kind, "headers": list(headers), "rows": rows,
            "labels": [str(r[0]) for r in rows], "datasets": datasets}


def on_time_rows(records: Iterable[Sequence]) -> list[list]:
    """(department, on time, decided) → [department, on time, decided, share %]."""
    return [[dept or "—", on_time, decided, share(on_time, decided)]
            for dept, on_time, decided in records]


def round_hours(value: float | None) -> float | None:
    """Minutes → hours rounded to 0.1."""
    return None if value is None else round(value / 60.0, 1)
