"""Bring your own portfolio: read a folder of CSV files or an Excel workbook into DOMAIN.md's
tables, check it, and load it in one transaction, or refuse it with every problem located.

Lenient where people are (headers in any case, common aliases, ``$1,234``, ``6.5%`` or ``0.065``,
US dates), strict where it matters (unknown or missing columns, unreadable values, orphan rows,
duplicate keys, missing months, identities and debt service that disagree with DOMAIN.md).
Files are read in chunks into typed columns, so a 100,000-property book stays in bounded memory.
Loading never half-happens: a SQLite portfolio is built in a temporary file and moved into place;
PostgreSQL loads inside one transaction that also creates the tables.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from meta_agent.errors import ImportRejected, PortfolioExists
from meta_agent.portfolio import columns as docs
from meta_agent.portfolio.reference import PROPERTY_TYPES, VALUATION_METHODS
from meta_agent.portfolio.schema import PORTFOLIO_TABLES

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

logger = logging.getLogger(__name__)

CHUNK_ROWS = 250_000
MAX_PROBLEMS = 50
MONEY_TOLERANCE = 0.01  # DOMAIN.md's identities hold to the cent
DEBT_SERVICE_TOLERANCE = 1.0  # USD a year: systems round the monthly payment to the cent
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%Y/%m/%d", "%m-%d-%Y")
MONTH_FORMATS = ("%Y-%m", "%m/%Y", "%b %Y", "%B %Y", "%b-%y", "%b-%Y")
DebtService = Literal["check", "recompute"]
_TEXT = docs.ColumnDoc("text", "", "")
EXAMPLES = {
    "money": "an amount such as $1,234,567.89 or 1234567.89",
    "fraction": "a rate such as 6.5% or 0.065",
    "integer": "a whole number such as 120",
    "number": "a number such as 28.55",
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the files, where it is, and what would be accepted."""

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


@dataclass
class ImportReport:
    """What was read and how: rows per table, readings decided per column, what is missing."""

    source: str
    rows: dict[str, int] = field(default_factory=dict)
    readings: list[str] = field(default_factory=list)
    disabled: list[str] = field(default_factory=list)
    seconds: float = 0.0
    database: str = ""
    backup: str | None = None


class _Problems:
    def __init__(self) -> None:
        self.items: list[Problem] = []
        self.total = 0

    def add(self, file: str, row: int | None, column: str | None, message: str) -> None:
        self.total += 1
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(Problem(file, row, column, message))

    def rows(self, file: str, column: str | None, rows: Any, message: Callable[[int], str]) -> None:
        for index in list(rows)[: MAX_PROBLEMS + 1]:
            self.add(file, int(index), column, message(int(index)))
        extra = len(rows) - (MAX_PROBLEMS + 1)
        if extra > 0:
            self.total += extra


# --- reading -----------------------------------------------------------------------------------


@dataclass
class _Table:
    """One table read from its file: typed columns, the file's row number of each row."""

    file: str
    data: dict[str, np.ndarray]
    line: np.ndarray  # the row number a person sees in the file (header = 1)
    unreadable: dict[str, np.ndarray] = field(default_factory=dict)  # already reported

    def __len__(self) -> int:
        return len(self.line)


Progress = Callable[[str, int], None]  # (file or sheet, rows read so far)


def read_portfolio(
    path: Path, debt_service: DebtService = "check", progress: Progress | None = None
) -> tuple[dict[str, dict[str, np.ndarray]], ImportReport]:
    """The portfolio in ``path`` as DOMAIN.md tables of numpy columns, with what was decided;
    ImportRejected with every problem located (up to a limit) when it cannot be loaded as is."""
    import numpy as np

    started = time.perf_counter()
    report = ImportReport(source=str(path))
    problems = _Problems()
    with contextlib.ExitStack() as open_files:
        tables = _read_all(path, open_files, problems, report, progress)
    if tables is None:  # a table missing, or a header that cannot be read: nothing to check
        raise _rejected(path, problems)
    _check(tables, problems, report, debt_service)
    if problems.total:
        raise _rejected(path, problems)
    out = {name: _stored(name, t.data) for name, t in tables.items()}
    for name in docs.OPTIONAL_TABLES:
        if name not in out:
            out[name] = _empty(name)
    for name, read in tables.items():
        report.rows[name] = len(read)
    meta = {
        "source": f"import of {path.name}",
        "imported_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
    }
    out["portfolio_meta"] = {
        "key": np.array(list(meta), dtype=object),
        "value": np.array(list(meta.values()), dtype=object),
    }
    report.seconds = time.perf_counter() - started
    return out, report


def _stored(table: str, data: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Columns as the database stores them: whole numbers as integers (None where empty)."""
    import numpy as np

    out = dict(data)
    for column, values in data.items():
        if docs.COLUMNS[table][column].kind != "integer":
            continue
        empty = np.isnan(values)
        if empty.any():
            out[column] = np.array(
                [
                    None if e else int(v)
                    for v, e in zip(values.tolist(), empty.tolist(), strict=True)
                ],
                dtype=object,
            )
        else:
            out[column] = values.astype(np.int64)
    return out


def _read_all(
    path: Path,
    open_files: contextlib.ExitStack,
    problems: _Problems,
    report: ImportReport,
    progress: Progress | None = None,
) -> dict[str, _Table] | None:
    sources = _sources(path, open_files)
    missing = [t for t in PORTFOLIO_TABLES if t not in sources and t not in docs.OPTIONAL_TABLES]
    for table in missing:
        problems.add(
            path.name, None, None,
            f"no {table} table: expected {table}.csv in the folder, or a sheet named {table}",
        )  # fmt: skip
    tables: dict[str, _Table] = {}
    for table, (label, chunks) in sources.items():
        read = _read_table(table, label, chunks, problems, report, progress)
        if read is not None:
            tables[table] = read
    for table, what in docs.OPTIONAL_TABLES.items():
        if table not in sources:
            report.disabled.append(f"no {table}: {what}")
    return tables if not missing and len(tables) == len(sources) else None


def _sources(
    path: Path, open_files: contextlib.ExitStack
) -> dict[str, tuple[str, Iterator[pd.DataFrame]]]:
    """Each table's label (file or sheet) and its raw text, in chunks."""
    if path.is_dir():
        found: dict[str, tuple[str, Iterator[pd.DataFrame]]] = {}
        files = {f.stem.lower(): f for f in path.iterdir() if f.suffix.lower() == ".csv"}
        unknown = sorted(name for name in files if name not in PORTFOLIO_TABLES)
        if unknown:
            raise ImportRejected(
                f"{path} holds CSV files that are not portfolio tables: "
                f"{', '.join(files[n].name for n in unknown)}; the accepted names are "
                f"{', '.join(t + '.csv' for t in PORTFOLIO_TABLES)}.",
                [],
            )
        for table in PORTFOLIO_TABLES:
            if table in files:
                found[table] = (files[table].name, _csv_chunks(files[table], table))
        return found
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _workbook(path, open_files)
    if not path.exists():
        raise ImportRejected(f"{path} does not exist.", [])
    raise ImportRejected(
        f"{path} is neither a folder of CSV files nor an Excel workbook (.xlsx); give a folder "
        "holding properties.csv, financials.csv, loans.csv (and valuations.csv, market_data.csv) "
        "or a workbook with a sheet per table.",
        [],
    )


def _csv_chunks(path: Path, table: str) -> Iterator[pd.DataFrame]:
    """Chunks of the file. Columns that hold numbers are left for pandas' C parser to type (a
    column it cannot type arrives as text, and is cleaned); the others arrive as text."""
    import pandas as pd

    header = pd.read_csv(path, nrows=0, encoding="utf-8-sig").columns
    mapping, _ = docs.resolve_headers(table, [str(h) for h in header])
    numeric = {"money", "number", "integer", "fraction"}
    text = {
        h: str
        for h in header
        if docs.COLUMNS[table].get(mapping.get(h, ""), _TEXT).kind not in numeric
    }
    yield from pd.read_csv(
        path,
        dtype=text,
        keep_default_na=False,
        na_values={h: [""] for h in header if h not in text},
        chunksize=CHUNK_ROWS,
        skipinitialspace=True,
        encoding="utf-8-sig",
    )


def _workbook(
    path: Path, open_files: contextlib.ExitStack
) -> dict[str, tuple[str, Iterator[pd.DataFrame]]]:
    try:
        import openpyxl
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise ImportRejected(f"Reading Excel files needs openpyxl: {exc}", []) from None
    try:
        handle = open_files.enter_context(path.open("rb"))
        book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the user's file
        raise ImportRejected(
            f"{path.name} cannot be read as an Excel workbook: {exc}", []
        ) from None
    sheets = {docs.normalise(name): name for name in book.sheetnames}
    return {
        table: (f"{path.name} [{sheets[table]}]", _sheet_chunks(book[sheets[table]]))
        for table in PORTFOLIO_TABLES
        if table in sheets
    }


def _sheet_chunks(sheet: Any) -> Iterator[pd.DataFrame]:
    import pandas as pd

    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        return
    names = [str(h) if h is not None else "" for h in header]
    while names and not names[-1]:
        names.pop()
    batch: list[list[str]] = []
    for row in rows:
        cells = [_cell_text(v) for v in row[: len(names)]]
        if not any(cells):
            continue
        batch.append(cells + [""] * (len(names) - len(cells)))
        if len(batch) >= CHUNK_ROWS:
            yield pd.DataFrame(batch, columns=names)
            batch = []
    yield pd.DataFrame(batch, columns=names)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _read_table(
    table: str,
    label: str,
    chunks: Iterator[pd.DataFrame],
    problems: _Problems,
    report: ImportReport,
    progress: Progress | None = None,
) -> _Table | None:
    import numpy as np

    parts: dict[str, list[np.ndarray]] = {}
    percent: dict[str, list[np.ndarray]] = {}
    unreadable: dict[str, list[np.ndarray]] = {}
    lines: list[np.ndarray] = []
    offset = 2
    mapping: dict[str, str] | None = None
    for chunk in chunks:
        if mapping is None:
            mapping = _header(table, label, list(chunk.columns), problems)
            if mapping is None:
                return None
        line = np.arange(offset, offset + len(chunk))
        offset += len(chunk)
        if progress is not None:
            progress(label, offset - 2)
        lines.append(line)
        for header, column in mapping.items():
            values, had_percent, bad = _parse(
                docs.COLUMNS[table][column].kind, chunk[header], label, column, line, problems
            )
            parts.setdefault(column, []).append(values)
            unreadable.setdefault(column, []).append(bad)
            if had_percent is not None:
                percent.setdefault(column, []).append(had_percent)
    if mapping is None:
        problems.add(label, None, None, "the file is empty: it needs a header row")
        return None
    data = {c: np.concatenate(v) if v else np.array([]) for c, v in parts.items()}
    result = _Table(label, data, np.concatenate(lines) if lines else np.array([], dtype=int))
    result.unreadable = {c: np.concatenate(v) for c, v in unreadable.items() if v}
    for column, flags in percent.items():
        _read_fractions(result, column, np.concatenate(flags), report)
    return result


def _header(
    table: str, label: str, headers: list[str], problems: _Problems
) -> dict[str, str] | None:
    before = problems.total
    mapping, unknown = docs.resolve_headers(table, [h for h in headers if str(h).strip()])
    accepted = ", ".join(docs.COLUMNS[table])
    for header in unknown:
        problems.add(label, 1, header, f"unknown column; the {table} columns are: {accepted}")
    seen: dict[str, str] = {}
    for header, column in mapping.items():
        if column in seen:
            problems.add(
                label, 1, header, f"is the same column as {seen[column]!r} ({column}); keep one"
            )
        seen[column] = header
    for column in docs.required_columns(table):
        if column not in seen:
            doc = docs.COLUMNS[table][column]
            problems.add(label, 1, column, f"missing required column ({doc.meaning})")
    return None if problems.total > before else mapping


def _parse(
    kind: docs.Kind,
    raw: pd.Series,
    label: str,
    column: str,
    line: np.ndarray,
    problems: _Problems,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Typed values of one column of a chunk (NaN / NaT / None where empty or unreadable), for
    fractions which values were written with a % sign, and which values could not be read."""
    import numpy as np

    if kind not in ("text", "date", "month") and raw.dtype.kind in "fiu":
        # The reader already found plain numbers: nothing to clean.
        numbers = raw.to_numpy(dtype=float, copy=True)
        empty = np.isnan(numbers)
        had_percent = np.zeros(len(numbers), dtype=bool)
    else:
        text = raw.astype(str).str.strip()
        empty = (text == "").to_numpy() | raw.isna().to_numpy()
        if kind == "text":
            values = text.to_numpy(dtype=object)
            values[empty] = None
            return values, None, np.zeros(len(values), dtype=bool)
        if kind in ("date", "month"):
            return _parse_dates(kind, text, empty, label, column, line, problems)
        numbers, had_percent = _numbers(text)
    bad = np.isnan(numbers) & ~empty
    example = EXAMPLES.get(kind, "a number")
    problems.rows(
        label, column, line[bad], lambda row: f"cannot read a number here; write {example}"
    )
    if kind == "integer":
        fractional = ~np.isnan(numbers) & (numbers != np.floor(numbers))
        problems.rows(label, column, line[fractional], lambda row: "must be a whole number")
    return numbers, (had_percent if kind == "fraction" else None), bad


def _numbers(text: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Numbers as people write them: plain ones at C speed, then only the rest cleaned of $, %,
    thousands separators and accounting parentheses."""
    import numpy as np
    import pandas as pd

    numbers = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, copy=True)
    had_percent = np.zeros(len(numbers), dtype=bool)
    rest = np.isnan(numbers) & (text != "").to_numpy()
    if rest.any():
        messy = text[rest]
        had_percent[rest] = messy.str.endswith("%").to_numpy()
        cleaned = (
            messy.str.replace(r"^\((.*)\)$", r"-\1", regex=True)
            .str.replace(r"[$,%\s]|USD", "", regex=True)
            .str.replace(r"^(-?)\$", r"\1", regex=True)
        )
        numbers[rest] = pd.to_numeric(cleaned, errors="coerce").to_numpy(dtype=float)
    return numbers, had_percent


def _parse_dates(
    kind: docs.Kind,
    text: pd.Series,
    empty: np.ndarray,
    label: str,
    column: str,
    line: np.ndarray,
    problems: _Problems,
) -> tuple[np.ndarray, None, np.ndarray]:
    import numpy as np

    stamps = _dates(text, kind)
    bad = stamps.isna().to_numpy() & ~empty
    accepted = "2025-01-01 or 01/31/2025" if kind == "date" else "2025-01-01 or 2025-01"
    problems.rows(
        label, column, line[bad], lambda row: f"cannot read a date here; write it as {accepted}"
    )
    days = stamps.to_numpy(dtype="datetime64[D]")
    if kind == "month":
        first = days.astype("datetime64[M]").astype("datetime64[D]")
        off = ~np.isnat(days) & (days != first)
        problems.rows(
            label, column, line[off],
            lambda row: "must be the first day of a month (one row per month), e.g. 2025-01-01",
        )  # fmt: skip
    return days, None, bad


def _dates(text: pd.Series, kind: docs.Kind) -> pd.Series:
    import pandas as pd

    result = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    formats = DATE_FORMATS + (MONTH_FORMATS if kind == "month" else ())
    remaining = text != ""
    for fmt in formats:
        if not remaining.any():
            break
        parsed = pd.to_datetime(text[remaining], format=fmt, errors="coerce")
        result[parsed.index] = result[parsed.index].fillna(parsed)
        remaining = result.isna() & (text != "")
    if remaining.any():  # ISO timestamps with a time of day
        parsed = pd.to_datetime(text[remaining], format="ISO8601", errors="coerce")
        result[parsed.index] = result[parsed.index].fillna(parsed)
    return result


def _read_fractions(
    table: _Table, column: str, had_percent: np.ndarray, report: ImportReport
) -> None:
    """Decide once per column how numbers without a % sign are read: as decimals (0.065) when
    every one of them is at most 1, else as percentages (6.5); say which."""
    import numpy as np

    values = table.data[column]
    plain = ~had_percent & ~np.isnan(values)
    as_percent = bool(plain.any() and np.nanmax(np.abs(values[plain])) > 1.0)
    scale = np.where(had_percent | as_percent, 0.01, 1.0)
    table.data[column] = values * scale
    if plain.any():
        how = "percentages (6.5 means 6.5%)" if as_percent else "decimals (0.065 means 6.5%)"
        report.readings.append(f"{table.file} {column}: numbers without % read as {how}")


# --- checks ------------------------------------------------------------------------------------


def _check(
    tables: dict[str, _Table], problems: _Problems, report: ImportReport, debt_service: DebtService
) -> None:
    import numpy as np

    _derive(tables, report)
    for name, table in tables.items():
        _not_null(name, table, problems)
    properties = tables["properties"]
    if not len(properties):
        problems.add(properties.file, None, None, "holds no properties: add one row per property")
    ids = properties.data["property_id"]
    _duplicates(properties, ["property_id"], problems)
    _allowed(properties, "property_type", PROPERTY_TYPES, problems)
    known = set(ids[ids != None].tolist())  # noqa: E711 - numpy elementwise
    for name in ("financials", "loans", "valuations"):
        if name in tables:
            _orphans(tables[name], known, problems)
    _quality(tables["financials"], problems)
    loans = tables["loans"]
    _duplicates(loans, ["loan_id"], problems)
    negative = loans.line[np.nan_to_num(loans.data["amortization_months"]) < 0]
    problems.rows(loans.file, "amortization_months", negative, lambda r: "cannot be negative")
    _debt_service(loans, problems, report, debt_service)
    if "valuations" in tables:
        _duplicates(tables["valuations"], ["property_id", "valuation_date"], problems)
        _allowed(tables["valuations"], "method", VALUATION_METHODS, problems)
    if "market_data" in tables:
        _duplicates(tables["market_data"], ["market", "property_type", "period"], problems)


def _derive(tables: dict[str, _Table], report: ImportReport) -> None:
    """Fill the columns a file may leave out, and say so."""
    import numpy as np

    financials = tables.get("financials")
    if financials is not None:
        data = financials.data
        if "effective_gross_income" not in data:
            data["effective_gross_income"] = (
                data["gross_potential_rent"] - data["vacancy_loss"] + data["other_income"]
            )
            report.readings.append(docs.DERIVED_COLUMNS[("financials", "effective_gross_income")])
        if "noi" not in data:
            data["noi"] = data["effective_gross_income"] - data["operating_expenses"]
            report.readings.append(docs.DERIVED_COLUMNS[("financials", "noi")])
    properties = tables.get("properties")
    if properties is not None and "units" not in properties.data:
        properties.data["units"] = np.full(len(properties), np.nan)


def _not_null(name: str, table: _Table, problems: _Problems) -> None:
    import numpy as np

    for column, values in table.data.items():
        if column == "units" or (name == "loans" and column == "annual_debt_service"):
            continue
        if values.dtype.kind == "f":
            empty = np.isnan(values)
        elif values.dtype.kind == "M":
            empty = np.isnat(values)
        else:
            empty = np.array([v is None for v in values], dtype=bool)
        if column in table.unreadable:
            empty &= ~table.unreadable[column]
        problems.rows(
            table.file,
            column,
            table.line[empty],
            _constant(f"is empty; expected {docs.COLUMNS[name][column].meaning}"),
        )


def _constant(message: str) -> Callable[[int], str]:
    return lambda _row: message


def _duplicates(table: _Table, keys: list[str], problems: _Problems) -> None:
    import pandas as pd

    frame = pd.DataFrame({k: table.data[k] for k in keys})
    repeated = frame.duplicated(keep="first").to_numpy()
    if repeated.any():
        first = frame.drop_duplicates(keep="first").reset_index().set_index(keys)["index"]
        for row in table.line[repeated][: MAX_PROBLEMS + 1].tolist():
            position = int(row) - int(table.line[0])
            key = tuple(frame.iloc[position])
            original = int(table.line[int(first.loc[key if len(keys) > 1 else key[0]])])
            shown = ", ".join(f"{k} {v}" for k, v in zip(keys, key, strict=True))
            problems.add(
                table.file, int(row), ",".join(keys), f"duplicate of row {original} ({shown})"
            )


def _allowed(table: _Table, column: str, allowed: tuple[str, ...], problems: _Problems) -> None:
    import numpy as np

    values = table.data[column]
    normalised = np.array(
        [None if v is None else docs.normalise(v) for v in values.tolist()], dtype=object
    )
    table.data[column] = normalised
    bad = np.array([v is not None and v not in allowed for v in normalised], dtype=bool)
    problems.rows(
        table.file, column, table.line[bad],
        lambda r: f"is not one of {', '.join(allowed)}",
    )  # fmt: skip


def _orphans(table: _Table, known: set[str], problems: _Problems) -> None:
    import numpy as np

    ids = table.data["property_id"]
    unknown = np.array([v is not None and v not in known for v in ids.tolist()], dtype=bool)
    problems.rows(
        table.file, "property_id", table.line[unknown],
        lambda r: "no property with this id in properties",
    )  # fmt: skip


def _quality(financials: _Table, problems: _Problems) -> None:
    """The tool library's own data-quality checks: duplicates, missing months, ranges, and the
    EGI and NOI identities, with the file's row numbers."""
    import pandas as pd

    from meta_agent.tool_library.validation_tools import check_data_quality

    frame = pd.DataFrame(financials.data, index=pd.Index(financials.line, name="row"))
    frame["period"] = pd.to_datetime(frame["period"])
    issues = check_data_quality(
        frame,
        {
            "checks": ["duplicates", "gaps", "ranges", "egi_identity", "noi_identity"],
            "tolerance": MONEY_TOLERANCE,
        },
    )
    for issue in issues.head(MAX_PROBLEMS).itertuples(index=False):
        problems.add(financials.file, None, issue.column, str(issue.detail))
    if len(issues) > MAX_PROBLEMS:
        problems.total += len(issues) - MAX_PROBLEMS


def _debt_service(
    loans: _Table, problems: _Problems, report: ImportReport, mode: DebtService
) -> None:
    import numpy as np

    from meta_agent.formulas import annual_debt_service_vector

    data = loans.data
    formula = annual_debt_service_vector(
        data["original_balance"], data["interest_rate"], data["amortization_months"]
    )
    given = data.get("annual_debt_service")
    if given is None:
        data["annual_debt_service"] = formula
        report.readings.append(
            "loans annual_debt_service: " + docs.DERIVED_COLUMNS[("loans", "annual_debt_service")]
        )
        return
    missing = np.isnan(given)
    with np.errstate(invalid="ignore"):
        off = ~missing & (np.abs(given - formula) > DEBT_SERVICE_TOLERANCE)
    if mode == "recompute":
        changed = int(off.sum() + missing.sum())
        data["annual_debt_service"] = formula
        report.readings.append(
            f"loans annual_debt_service: recomputed with DOMAIN.md's formula "
            f"({changed} of {len(given)} differed or were empty)"
        )
        return
    data["annual_debt_service"] = np.where(missing, formula, given)
    if missing.any():
        report.readings.append(
            f"loans annual_debt_service: {int(missing.sum())} empty value(s) computed with the formula"
        )
    problems.rows(
        loans.file, "annual_debt_service", loans.line[off],
        lambda row: (
            f"{given[row - loans.line[0]]:,.2f} disagrees with DOMAIN.md's formula "
            f"({formula[row - loans.line[0]]:,.2f}); fix it, or import with "
            "--recompute-debt-service to use the formula's value"
        ),
    )  # fmt: skip


def _empty(name: str) -> dict[str, np.ndarray]:
    import numpy as np

    from meta_agent.portfolio.schema import TABLES

    out: dict[str, np.ndarray] = {}
    for column in TABLES[name].columns:
        kind = docs.COLUMNS[name][column.name].kind
        dtype = (
            "datetime64[D]" if kind in ("date", "month") else object if kind == "text" else float
        )
        out[column.name] = np.array([], dtype=dtype)
    return out


def _rejected(path: Path, problems: _Problems) -> ImportRejected:
    more = problems.total - len(problems.items)
    summary = (
        f"{path.name} was not imported: {problems.total} problem(s) found"
        + (f" (the first {len(problems.items)} are listed)" if more > 0 else "")
        + ". Nothing was written."
    )
    return ImportRejected(summary, [str(p) for p in problems.items])


# --- loading -----------------------------------------------------------------------------------


def import_portfolio(
    path: Path,
    database_url: str,
    replace: bool = False,
    debt_service: DebtService = "check",
    progress: Progress | None = None,
) -> ImportReport:
    """Read, check and load ``path`` into the portfolio database at ``database_url``, whole or
    not at all. An existing portfolio is replaced only with ``replace`` (a SQLite file is backed
    up first)."""
    from meta_agent.portfolio.engine import dispose_engines, get_engine, masked, normalize_url
    from meta_agent.portfolio.engine import sqlite_path as sqlite_file

    url = normalize_url(database_url)
    tables, report = read_portfolio(path, debt_service, progress)
    report.database = masked(url)
    target = sqlite_file(url)
    dispose_engines(url)
    if target is not None:
        report.backup = _load_sqlite(target, tables, replace)
    else:
        _load_server(get_engine(url), tables, replace, masked(url))
    dispose_engines(url)
    logger.info("portfolio imported", extra={"rows": report.rows, "database": report.database})
    return report


def _load_sqlite(target: Path, tables: dict[str, dict[str, Any]], replace: bool) -> str | None:
    import sqlalchemy as sa

    from meta_agent.portfolio import schema
    from meta_agent.portfolio.writer import write_tables

    if target.exists() and _has_portfolio(f"sqlite:///{target}") and not replace:
        raise PortfolioExists(
            f"A portfolio already exists in {target}; pass --replace to replace it "
            "(the old file is kept as a backup)."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.import-{os.getpid()}")
    temporary.unlink(missing_ok=True)
    engine = sa.create_engine(f"sqlite:///{temporary}")
    try:
        with engine.begin() as conn:
            schema.metadata.create_all(conn)
        write_tables(engine, tables)
        engine.dispose()
        backup = None
        if target.exists():
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            backup_path = target.with_name(f"{target.name}.backup-{stamp}")
            shutil.copy2(target, backup_path)
            backup = str(backup_path)
        os.replace(temporary, target)
        return backup
    finally:
        engine.dispose()
        temporary.unlink(missing_ok=True)


def _has_portfolio(url: str) -> bool:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        names = set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    return bool(names & set(PORTFOLIO_TABLES))


def _load_server(engine: Any, tables: dict[str, dict[str, Any]], replace: bool, shown: str) -> None:
    import sqlalchemy as sa
    from sqlalchemy.schema import CreateIndex, CreateTable, DropTable

    from meta_agent.portfolio import schema
    from meta_agent.portfolio.writer import write_tables

    present = set(sa.inspect(engine).get_table_names()) & set(schema.TABLES)
    if present & set(PORTFOLIO_TABLES) and not replace:
        raise PortfolioExists(
            f"A portfolio already exists at {shown}; pass --replace to replace it."
        )
    dialect = engine.dialect

    def create(conn: Any) -> None:
        with conn.cursor() as cursor:
            for table in reversed(schema.metadata.sorted_tables):
                if table.name in present:
                    cursor.execute(str(DropTable(table).compile(dialect=dialect)))
            for table in schema.metadata.sorted_tables:
                cursor.execute(str(CreateTable(table).compile(dialect=dialect)))
                for index in table.indexes:
                    cursor.execute(str(CreateIndex(index).compile(dialect=dialect)))

    write_tables(engine, tables, prepare=create)
