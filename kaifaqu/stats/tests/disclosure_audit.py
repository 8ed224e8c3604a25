"""Audits of published items for the disclosure tests, written independently of kaifaqu.stats.disclosure.

- exact: rational row reduction (fractions.Fraction, no floating point): which firms' figures — and which given
  items — can be computed exactly from the published sums (差分推算);
- intervals: for each firm and vector, the least and greatest figure consistent with the published sums and x ≥ 0
  (linear programmes, scipy HiGHS, one variable per firm); a firm fails when its interval does not cover ±10%.

Columns are (vector, firm) pairs: with the two vectors, 2n columns for n firms.
"""

from fractions import Fraction

import numpy as np
from scipy.optimize import linprog

from kaifaqu.stats.disclosure import VECTORS

MARGIN = Fraction(1, 10)
TOLERANCE = 1e-7  # of the vector's largest figure: the linear programmes' own precision


def columns_of(firm_ids):
    return [(vector, firm) for vector in VECTORS for firm in sorted(firm_ids)]


def row_of(item, columns):
    """An item as a 0/1 row over the columns, stored sparsely {column index: 1}."""
    return {n: Fraction(1) for n, (vector, firm) in enumerate(columns) if vector == item.vector and firm in item.firms}


def reduced_rows(rows):
    """Reduced row echelon form over the rationals, as {pivot column: row}; rows are sparse {column: value}."""
    pivots = {}
    for row in rows:
        row = eliminate(dict(row), pivots)
        if not row:
            continue
        lead = min(row)
        row = {column: value / row[lead] for column, value in row.items()}
        for column, other in list(pivots.items()):
            if lead in other:
                pivots[column] = subtract(other, row, other[lead])
        pivots[lead] = row
    return pivots


def eliminate(row, pivots):
    for column, pivot in pivots.items():
        if column in row:
            row = subtract(row, pivot, row[column])
    return row


def subtract(row, pivot, factor):
    result = dict(row)
    for column, value in pivot.items():
        result[column] = result.get(column, Fraction(0)) - factor * value
        if result[column] == 0:
            del result[column]
    return result


def exactly_disclosed(rows):
    """The columns whose unit vector lies in the row space of `rows`: in the reduced form, a row that is e_j."""
    return {column for column, row in reduced_rows(rows).items() if len(row) == 1}


def in_row_space(rows, target):
    return not eliminate(dict(target), reduced_rows(rows))


def disclosed_firms(published, firm_ids):
    """(vector, firm) pairs whose figure the published items give away exactly."""
    columns = columns_of(firm_ids)
    return {columns[n] for n in exactly_disclosed([row_of(item, columns) for item in published])}


def derivable(published, hidden, firm_ids):
    """The hidden items that can be computed exactly from the published ones."""
    columns = columns_of(firm_ids)
    pivots = reduced_rows([row_of(item, columns) for item in published])
    return {item for item in hidden if item.firms and not eliminate(row_of(item, columns), pivots)}


def interval_failures(published, figures):
    """[(vector, firm, low, high, value)] of the firms whose feasible interval (the published items' sums as
    equalities, every figure ≥ 0) does not contain [0.9·value, 1.1·value]. `figures`: {vector: {firm: value}}."""
    failures = []
    for vector in VECTORS:
        values = figures.get(vector, {})
        firms = sorted(values)
        items = [item for item in published if item.vector == vector and item.firms]
        if not firms or not items:
            continue
        scale = float(max(values.values())) or 1.0
        x = np.array([float(values[f]) for f in firms]) / scale
        matrix = np.array([[1.0 if f in item.firms else 0.0 for f in firms] for item in items])
        constrained = matrix.any(axis=0)
        for column, firm in enumerate(firms):
            if x[column] <= 0 or not constrained[column]:
                continue
            low, high = feasible_interval(matrix, matrix @ x, column)
            if low > 0.9 * x[column] + TOLERANCE or high < 1.1 * x[column] - TOLERANCE:
                failures.append((vector, firm, low * scale, high * scale, values[firm]))
    return failures


def feasible_interval(matrix, sums, column):
    objective = np.zeros(matrix.shape[1])
    objective[column] = 1
    low = linprog(objective, A_eq=matrix, b_eq=sums, bounds=(0, None), method="highs")
    high = linprog(-objective, A_eq=matrix, b_eq=sums, bounds=(0, None), method="highs")
    assert low.status == 0, low.message
    return low.fun, (np.inf if high.status == 3 else -high.fun)
