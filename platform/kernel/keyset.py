"""Orders that keyset (seek) cursors resume from.

A keyset cursor holds the values of a row's order columns, so every row read must carry
them. The GraphQL optimizer loads only the columns a query asks for and, on a nested list
(a session's lots, a lot's bids), applies that after the cursor's own fix-up, so a plain
column in the order would be read again row by row. An order key written with
:func:`key` is selected as an expression and always comes with the row.
"""

from django.db.models import ExpressionWrapper, F, Model, OrderBy


def key(model: type[Model], name: str, *, descending: bool = False) -> OrderBy:
    """``name`` (a column of ``model``) as an order key that is always selected."""
    field = model._meta.get_field(name)
    expression = ExpressionWrapper(F(name), output_field=type(field)())
    return expression.desc() if descending else expression.asc()
