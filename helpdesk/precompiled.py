"""SELECTs compiled once and run straight on the session's DBAPI cursor (the desk's hot reads).

SQLAlchemy builds and renders every statement here, for the dialect in use; what this module
skips is the per-call work that a hot read does not need once the SQL text is fixed: building
the statement again, its cache key, the execution context and the result wrapper. A desk list
costs about half a millisecond of SQL; that per-call work had come to as much again.

A `Precompiled` is made from a statement whose variable values are named `bindparam()`s, so
that the same text serves every call; values that are part of the statement's shape (validated
choices, ids of the user's own records) are inlined with `literal_execute=True` and rendered
here once. Callers cache Precompileds by that shape (see helpdesk.tickets.queues).

Only SELECTs belong here: helpdesk.readonly counts on reads leaving no trace but their rows.
"""
from collections.abc import Callable, Iterable

from sqlalchemy import bindparam, exc
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Select

from helpdesk.extensions import db


def param(name: str, type_=None):
    """A named parameter without a value: given by name at each Precompiled.rows() call."""
    return bindparam(name, None, type_=type_, required=False)


class Precompiled:
    """One SELECT rendered for one dialect: its SQL text, how its parameters are bound and how
    its result values are converted (only the columns whose type needs it)."""

    __slots__ = ("sql", "dialect", "_names", "_positional", "_given", "_constants", "_binders",
                 "_types", "_converters")

    def __init__(self, statement: Select, dialect: Dialect):
        compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
        self.sql = compiled.string
        self.dialect = dialect
        by_name = {compiled.bind_names[bind]: bind for bind in compiled.binds.values()}
        rendered = {compiled.bind_names[bind] for bind in compiled.literal_execute_params}
        self._positional = compiled.positiontup is not None
        # In the order of the SQL's placeholders (qmark: a name repeats when used twice).
        self._names = tuple(compiled.positiontup if self._positional
                            else (name for name in by_name if name not in rendered))
        # The statement's own constants (a value it was built with, such as SQLite's OFFSET 0)
        # are kept; the named parameters left without a value are given at each call.
        self._constants = {name: by_name[name].value for name in self._names
                           if by_name[name].value is not None}
        self._given = frozenset(self._names) - self._constants.keys()
        self._binders = {name: processor for name in self._names
                         if (processor := by_name[name].type.dialect_impl(dialect).bind_processor(dialect))}
        self._types = tuple(column.type.dialect_impl(dialect) for column in statement.selected_columns)
        self._converters = None  # known at the first execution: they depend on the column types

    def parameters(self, values: dict) -> dict | tuple:
        """The DBAPI parameters for `values`, given by bindparam name.

        Every parameter that the statement was built without a value for must be given, and no
        other (KeyError): the same text serves every call."""
        if values.keys() != self._given:
            unknown = sorted(set(values) - self._given)
            missing = sorted(self._given - set(values))
            raise KeyError(f"parameters not in the statement {unknown}, missing {missing}")
        bound = {}
        for name, value in (values | self._constants).items():
            binder = self._binders.get(name)
            bound[name] = binder(value) if binder is not None and value is not None else value
        return tuple(bound[name] for name in self._names) if self._positional else bound

    def _result_converters(self, description) -> tuple:
        """(index, function) for each result column whose values the type converts, as
        SQLAlchemy's result handling would for these column types (by the driver's type codes)."""
        converters = (type_.result_processor(self.dialect, column[1])
                      for type_, column in zip(self._types, description, strict=True))
        return tuple((index, convert) for index, convert in enumerate(converters)
                     if convert is not None)

    def rows(self, values: dict | None = None, make: Callable | None = None,
             reader: "Reader | None" = None) -> list:
        """All rows for `values`, through the session's connection and transaction (flushed
        first, as the session's autoflush would); `make(row)` builds each row's object.

        `reader`: the connection and cursor already taken for several reads in a row."""
        reader = reader or Reader()
        connection, pooled, cursor = reader.connection, reader.pooled, reader.cursor
        dbapi_connection = pooled.dbapi_connection
        parameters = self.parameters(values or {})
        sql = self.sql
        try:
            # The engine's before_cursor_execute listeners see the statement, as they would
            # see SQLAlchemy's own (with no execution context).
            for listener in connection.dispatch.before_cursor_execute:
                sql, parameters = listener(connection, cursor, sql, parameters, None, False)
            cursor.execute(sql, parameters)
            fetched = cursor.fetchall()
            if self._converters is None:
                self._converters = self._result_converters(cursor.description)
        except self.dialect.loaded_dbapi.Error as error:
            # As SQLAlchemy's own execution does: a lost server invalidates the pooled
            # connection, and the error surfaces as SQLAlchemy's (the app's 503 handler).
            disconnected = self.dialect.is_disconnect(error, dbapi_connection, cursor)
            pooled.info.pop(_CURSOR, None)
            cursor.close()
            if disconnected:
                connection.invalidate(error)
            raise exc.DBAPIError.instance(sql, parameters, error,
                                          self.dialect.loaded_dbapi.Error,
                                          dialect=self.dialect) from error
        if self._converters:
            fetched = [_convert(row, self._converters) for row in fetched]
        return fetched if make is None else [make(row) for row in fetched]


class Reader:
    """The session's connection and the kept cursor, taken once (the session flushed) for the
    reads that follow it: a ticket page's blocks run five statements back to back."""

    __slots__ = ("connection", "pooled", "cursor")

    def __init__(self):
        session = db.session()
        session.flush()
        self.connection = session.connection()
        self.pooled = self.connection.connection
        self.cursor = _cursor(self.pooled)

    @property
    def dialect_name(self) -> str:
        return self.connection.dialect.name


_CURSOR = "helpdesk.precompiled.cursor"


def _cursor(pooled):
    """The DBAPI cursor kept for Precompileds on a pooled connection.

    Opening and closing a psycopg cursor per statement cost about 9 µs, a fifth of a ticket
    page's small reads. The cursor lives in the pool's info for that DBAPI connection, which
    SQLAlchemy clears when it reconnects; a statement that fails drops it (see rows())."""
    cursor = pooled.info.get(_CURSOR)
    if cursor is None:
        cursor = pooled.info[_CURSOR] = pooled.dbapi_connection.cursor()
    return cursor


def _convert(row: Iterable, converters: tuple) -> tuple:
    values = list(row)
    for index, convert in converters:
        values[index] = convert(values[index])
    return tuple(values)
