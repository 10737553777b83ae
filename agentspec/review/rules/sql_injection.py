"""Rule ``sql-injection``: SQL text built from values instead of passing them as parameters."""

from __future__ import annotations

import re

import libcst as cst

from agentspec.review.bindings import Binding, Scope, scope_of
from agentspec.review.rule import Example, Rule
from agentspec.review.source import SourceFile
from agentspec.review.sql_text import QueryText

_SINK_METHODS = frozenset({"execute", "executemany", "executescript", "read_sql", "read_sql_query", "mogrify"})
_SQL_ONLY_SINKS = frozenset({"executescript", "read_sql", "read_sql_query"})
_SQL_WORDS = re.compile(
    r"\b(?:select|insert|update|delete|create|drop|alter|where|from|into|values|pragma|truncate|join|order\s+by"
    r"|group\s+by|limit|set|table)\b",
    re.IGNORECASE,
)
_QUERY_KEYWORDS = frozenset({"sql", "query", "statement", "sql_script", "operation"})


class SqlInjectionRule(Rule):
    """SQL text built by interpolating values, which lets the values rewrite the query.

    The fix is always the same: keep the SQL constant and pass the values separately
    (``cursor.execute("SELECT * FROM users WHERE name = ?", (name,))``), which every driver
    supports. The article's security task is exactly this conversion.

    What counts: at an SQL sink (``execute``, ``executemany``, ``executescript``,
    ``read_sql``, ``read_sql_query``, ``mogrify``, SQLAlchemy's ``text``), a query built by
    f-string interpolation, ``%`` formatting, ``.format()``, ``+`` concatenation with a
    non-literal, or ``join`` of non-literal pieces, either in the call or through a local
    variable assigned or extended (``+=``) that way. The built text must look like SQL
    (a keyword such as SELECT, WHERE or VALUES) unless the sink only takes SQL.

    What does not count: values passed separately, even when built with an f-string
    (``execute("... LIKE ?", (f"%{name}%",))``); placeholders (``?``, ``%s``, ``:name``,
    ``%(name)s``); interpolations that are only placeholder lists
    (``",".join("?" * len(ids))``), numbers (``len(...)``, ``int(...)``) or local string
    constants; pieces appended as literals to a list that is then joined; and strings that
    never reach a sink. A query that arrives as a parameter is not judged (unknown).
    """

    severity = "error"
    message = "SQL query built from values; pass them as parameters"

    VALID = (
        """
        cur.execute("SELECT * FROM users WHERE name = ?", (name,))
        """,
        """
        cur.execute("SELECT * FROM users WHERE name LIKE ?", (f"%{name}%",))
        """,
        """
        cur.execute("SELECT * FROM t WHERE id = %(id)s", {"id": user_id})
        cur.execute("UPDATE t SET name = %s WHERE id = %s", (name, user_id))
        cur.execute("DELETE FROM t WHERE id = :id", {"id": user_id})
        """,
        """
        def by_ids(cur, ids):
            marks = ",".join("?" * len(ids))
            cur.execute(f"SELECT * FROM t WHERE id IN ({marks})", ids)
        """,
        """
        msg = f"user {name} not found"
        print(msg)
        """,
        """
        TABLE = "users"


        def count(cur):
            cur.execute(f"SELECT COUNT(*) FROM {TABLE}")
        """,
        """
        def find(cur, name=None, age=None):
            where, params = [], []
            if name:
                where.append("name = ?")
                params.append(name)
            if age:
                where.append("age > ?")
                params.append(age)
            sql = "SELECT * FROM users WHERE " + " AND ".join(where)
            cur.execute(sql, params)
        """,
        """
        def run(cur, query, params):
            cur.execute(query, params)
        """,
        """
        session.execute(text("SELECT * FROM users WHERE id = :id"), {"id": user_id})
        """,
        """
        executor.execute(f"job-{n}")
        """,
    )
    INVALID = (
        Example(
            """
            def get(cur, name):
                cur.execute(f"SELECT * FROM users WHERE name = '{name}'")
            """,
            line=2,
        ),
        Example(
            """
            def get(cur, uid):
                cur.execute("SELECT * FROM users WHERE id = %s" % uid)
            """,
            line=2,
        ),
        Example(
            """
            def get(cur, uid):
                cur.execute("SELECT * FROM users WHERE id = {}".format(uid))
            """,
            line=2,
        ),
        Example(
            """
            def get(cur, name):
                q = "SELECT * FROM users WHERE name = '" + name + "'"
                cur.execute(q)
            """,
            line=3,
        ),
        Example(
            """
            def search(cur, name, order):
                sql = "SELECT * FROM users WHERE name = ?"
                sql += f" ORDER BY {order}"
                return cur.execute(sql, (name,))
            """,
            line=4,
        ),
        Example(
            """
            def where(cur, filters):
                clause = " AND ".join(f"{k} = '{v}'" for k, v in filters.items())
                cur.execute("SELECT * FROM t WHERE " + clause)
            """,
            line=3,
        ),
        Example(
            """
            def q(session, uid):
                return session.execute(text(f"DELETE FROM t WHERE id = {uid}"))
            """,
            line=2,
        ),
        Example(
            """
            def many(cur, table, rows):
                cur.executemany(f"INSERT INTO {table} VALUES (?, ?)", rows)
            """,
            line=2,
        ),
    )

    def __init__(self, file: SourceFile) -> None:
        super().__init__(file)
        self._owners: list[cst.Module | cst.FunctionDef] = []
        self._scopes: dict[int, Scope] = {}

    def visit_Module(self, node: cst.Module) -> None:
        """Open the module scope, where constants live."""
        self._owners.append(node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        """Open a function scope, where local queries are built."""
        self._owners.append(node)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        """Close a function scope."""
        self._owners.pop()

    def visit_Call(self, node: cst.Call) -> None:
        """Judge the query given to an SQL sink."""
        sink = _sink_name(node.func)
        if sink is None:
            return
        query = _query_argument(node)
        if query is None:
            return
        text = QueryText(self._lookup)
        reason = text.unsafe(query)
        if reason is None:
            return
        if sink in _SQL_ONLY_SINKS or _SQL_WORDS.search(" ".join(text.literals)):
            via = f" (in `{text.via}`)" if text.via else ""
            self.report(query, f"SQL built with {reason}{via} reaches {sink}(); pass the values as parameters")

    def _lookup(self, name: str) -> list[Binding] | None:
        current, module = self._owners[-1], self._owners[0]
        for owner in (current, module) if current is not module else (module,):
            scope = self._scopes.get(id(owner))
            if scope is None:
                scope = self._scopes[id(owner)] = scope_of(owner)
            if name in scope.bindings:
                calls = scope.calls.get(name, ())
                grown = [Binding("grow", call) for method, call in calls if method in ("append", "extend", "insert")]
                return scope.bindings[name] + grown
        return None


def _sink_name(func: cst.BaseExpression) -> str | None:
    if isinstance(func, cst.Attribute):
        name = func.attr.value
        return name if name in _SINK_METHODS or name == "text" else None
    if isinstance(func, cst.Name) and func.value == "text":
        return "text"
    return None


def _query_argument(call: cst.Call) -> cst.BaseExpression | None:
    for arg in call.args:
        if arg.keyword is None and not arg.star:
            return arg.value
        if arg.keyword is not None and arg.keyword.value in _QUERY_KEYWORDS:
            return arg.value
    return None
