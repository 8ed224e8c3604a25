"""Statistical disclosure control of published tables (统计法: 单个企业的统计资料保密). Pure: no ORM.

A viewer not entitled to individual figures gets published tables only. Every number of those tables is an `Item`:
the sum of one per-firm vector over a set of firms. Two vectors exist:

- "current" (本期): the firms' 1—N月 figures;
- "prior" (上年同期): last year's figures. The comparable base (同口径) and last year's published figure (公布口径)
  are both sums over this one vector, which is the cautious model: whatever can be derived from two separate
  vectors can be derived from the merged one too.

`disclose` decides which items may be published:

1. primary suppression (原发性隐藏): fewer than k firms, or one firm above p% of the cell (on absolute values, so
   signed indicators such as profit are covered). A cell over no firm or summing only zeros is not sensitive;
2. secondary suppression (补充隐藏), greedy: while the published items still (a) pin a firm's figure exactly,
   (b) let a primary-suppressed item be computed exactly, or (c) — non-negative indicators — narrow a firm's
   feasible interval below ±10% of its value, withhold one published item that takes part in the leak (the
   smallest, never a zone total unless unavoidable); then publish again every withheld item that is not needed.

The linear algebra runs on "atoms": firms that lie in exactly the same items (a 300-firm zone has about 200). Firms
of one atom can never be told apart, so only single-firm atoms can be pinned, and a firm's largest value is its
atom's largest total. The current and prior vectors share no item, so each is solved on its own.

Small dense matrices: run the workers with OPENBLAS_NUM_THREADS=1, as BLAS threads only contend at this size.
"""

from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.utils.translation import gettext as _
from scipy.optimize import linprog

CURRENT = "current"  # 本期 (1—N月)
PRIOR = "prior"  # 上年同期
VECTORS = (CURRENT, PRIOR)
INTERVAL_MARGIN = 0.1  # 审核: a firm's feasible interval must cover its value ±10%
ZERO = 1e-9  # numerical zero of the 0/1 matrices' null spaces
SLACK = 1e-6  # an interval must clear ±10% by this share of the block's scale, so float noise never passes a leak


@dataclass(frozen=True)
class Item:
    """One published number: the sum of `vector` over `firms` (identity is the vector and the firm set)."""

    vector: str
    firms: frozenset
    value: Decimal = field(default=Decimal(0), compare=False)

    def order(self):
        """A stable order, so the same data always give the same page."""
        return (self.vector, len(self.firms), sorted(self.firms))


@dataclass(frozen=True)
class Disclosure:
    """The decision: the items that may be published, and why each other item is withheld."""

    published: frozenset
    withheld: dict

    def is_published(self, item):
        return not item.firms or item in self.published

    def reason(self, item):
        return self.withheld.get(item, "")


def few_firms_reason(k):
    return _("少于%(k)s家企业") % {"k": k}


def dominance_reason():
    return _("单一企业占比过高")


def secondary_reason():
    return _("为防止推算而隐藏")


def primary_reason(figures, *, k, dominance_pct):
    """Why a cell of these firms' figures may not be published (primary suppression), or "" when it may.

    The dominance rule compares absolute values (max |x| > p% of Σ|x|): a loss-making firm counts by its size.
    """
    sizes = [abs(Decimal(x)) for x in figures]
    if not any(sizes):
        return ""  # no firm, or only zeros: nothing to protect
    if len(sizes) < k:
        return few_firms_reason(k)
    if max(sizes) * 100 > Decimal(dominance_pct) * sum(sizes):
        return dominance_reason()
    return ""


def disclose(items, figures, *, k, dominance_pct, signed=False, keep=(), protect=()):
    """Decide which items are published. `figures` maps a vector to {firm id: figure}, for every firm of an item.

    `keep` lists items withheld only when nothing else would do (the zone totals); `protect`, items withheld after
    those (figures the viewer has from elsewhere, e.g. last year's own published tables). With `signed` (profit, …) the
    interval audit (c) is skipped, as x ≥ 0 bounds nothing; so is it for a vector holding a negative figure.
    """
    unique = sorted({item for item in items if item.firms}, key=Item.order)
    withheld = {}
    for item in unique:
        reason = primary_reason([figures[item.vector][f] for f in item.firms], k=k, dominance_pct=dominance_pct)
        if reason:
            withheld[item] = reason
    for vector in VECTORS:
        block_items = [item for item in unique if item.vector == vector]
        if block_items:
            block = make_block(block_items, figures[vector], signed=signed, keep=set(keep), protect=set(protect))
            for index in secondary_suppression(block, [item in withheld for item in block_items]):
                withheld[block_items[index]] = secondary_reason()
    published = frozenset(item for item in items if item not in withheld)
    return Disclosure(published=published, withheld=withheld)


# -- one vector's items in atom coordinates ---------------------------------------------------------------------------


@dataclass
class Block:
    items: list
    matrix: np.ndarray  # items × atoms, 0/1
    totals: np.ndarray  # each atom's total, divided by the scale
    largest: np.ndarray  # each atom's largest firm figure, divided by the scale
    sizes: np.ndarray  # each atom's number of firms
    preference: list  # per item: (protected, kept, |value|, firms, order) — smaller is withheld first
    bounded: bool  # non-negative figures: audit the intervals
    witnesses: list = field(default_factory=list)  # feasible points found so far (atom totals, scaled)

    def witness(self, merged, result):
        """Keep a programme's solution as a feasible point of the atoms; return it on the merged columns."""
        point = np.maximum(result.x, 0)
        self.witnesses.append(merged.spread(point, self.totals))
        return point


def make_block(items, values, *, signed, keep, protect=frozenset()):
    members = sorted(set().union(*(item.firms for item in items)))
    signature = {firm: tuple(n for n, item in enumerate(items) if firm in item.firms) for firm in members}
    atoms = {}
    for firm in members:
        atoms.setdefault(signature[firm], []).append(firm)
    matrix = np.zeros((len(items), len(atoms)))
    for column, rows in enumerate(atoms):
        matrix[list(rows), column] = 1
    figures = [[float(values[firm]) for firm in firms] for firms in atoms.values()]
    totals = np.array([sum(f) for f in figures])
    largest = np.array([max(abs(x) for x in f) for f in figures])
    scale = max(float(np.abs(totals).max()), float(largest.max())) or 1.0
    return Block(
        items=items,
        matrix=matrix,
        totals=totals / scale,
        largest=largest / scale,
        sizes=np.array([len(f) for f in figures]),
        preference=[(item in protect, item in keep, abs(item.value), len(item.firms), item.order()) for item in items],
        bounded=not signed and all(x >= 0 for f in figures for x in f),
    )


def secondary_suppression(block, sensitive):
    """Indices of the items to withhold besides the sensitive ones: greedy, then trimmed of unneeded ones."""
    published = np.array([not s for s in sensitive])
    sensitive = np.array(sensitive)
    added = []
    while (candidates := first_leak(block, published, sensitive)) is not None:
        candidates = candidates or dict.fromkeys(np.flatnonzero(published).tolist(), False)
        index = min(candidates, key=lambda n: (*block.preference[n][:2], not candidates[n], *block.preference[n][2:]))
        published[index] = False
        added.append(index)
    # The greedy may have withheld more than needed: publish again, most valuable first, what stays safe.
    for index in sorted(added, key=lambda n: block.preference[n], reverse=True):
        published[index] = True
        if first_leak(block, published, sensitive) is not None:
            published[index] = False
    return [n for n in added if not published[n]]


def first_leak(block, published, sensitive):
    """None when the published items are safe, else {item index: essential} of the published items taking part in
    the first leak found ("essential": withholding that item alone breaks the leak)."""
    rows = np.flatnonzero(published)
    if not len(rows):
        return None
    found = exact_leak(block, rows, sensitive)
    if found is None and block.bounded:
        found = interval_leak(block, rows)
    return found


# -- (a) and (b): exact derivation -------------------------------------------------------------------------------------


def exact_leak(block, rows, sensitive):
    """A firm's figure or a sensitive item lies in the row space of the published items (差分推算).

    One decomposition answers for every firm: e_j is in the row space iff its projection on it has length 1
    (equivalently, row j of a null-space basis is zero).
    """
    published = block.matrix[rows]
    space = row_space(published)
    pinned = (block.sizes == 1) & (1 - (space**2).sum(axis=0) < ZERO)
    targets = [unit(len(block.totals), j) for j in np.flatnonzero(pinned)]
    hidden = block.matrix[np.flatnonzero(sensitive)]
    outside = hidden - (hidden @ space.T) @ space  # the part of each hidden item no published sum explains
    targets += [row for row, rest in zip(hidden, outside, strict=True) if np.abs(rest).max() < ZERO]
    if not targets:
        return None
    return combination_of(published, rows, targets[0])


def row_space(matrix):
    """An orthonormal basis of the row space, one vector a row (SVD, rank by numpy's default tolerance)."""
    _u, singular, vt = np.linalg.svd(matrix, full_matrices=False)
    tolerance = singular.max(initial=0) * max(matrix.shape) * np.finfo(float).eps
    return vt[singular > tolerance]


def unit(size, index):
    vector = np.zeros(size)
    vector[index] = 1
    return vector


def combination_of(published, rows, target):
    """The published items a derivation of `target` uses, each marked essential when every derivation uses it."""
    weights = np.linalg.lstsq(published.T, target, rcond=None)[0]
    # Ways the published rows add up to zero: eigenvectors of the (small) Gram matrix with eigenvalue zero.
    eigenvalues, eigenvectors = np.linalg.eigh(published @ published.T)
    dependencies = eigenvectors[:, eigenvalues < ZERO * max(eigenvalues.max(), 1)]
    replaceable = np.linalg.norm(dependencies, axis=1) >= ZERO
    return {int(rows[i]): not replaceable[i] for i in np.flatnonzero(np.abs(weights) > ZERO)}


# -- (c): the interval audit ----------------------------------------------------------------------------------------


def interval_leak(block, rows):
    """A firm whose feasible interval (published equalities, x ≥ 0) does not cover its value ±10%.

    Atoms that the published items cannot tell apart are merged first. Every feasible point found so far (the
    witnesses) proves part of each interval; so does moving the true totals along a null-space direction while they
    stay ≥ 0. Only what these do not prove goes to linear programmes (HiGHS): first one pushing every open column at
    once, then one a column; the duals of a failing one name the binding items.
    """
    published = block.matrix[rows]
    merged = merge_columns(block, published)
    sums = published @ block.totals
    upper, lower = certified_interval(merged.matrix, merged.totals)
    for witness in block.witnesses:
        if np.abs(published @ witness - sums).max() < WITNESS_TOLERANCE:
            upper, lower = widened(upper, lower, merged.of(witness))
    for columns, sense in zip(merged.open(upper, lower), (-1.0, 1.0), strict=True):
        if len(columns) > 1:
            result = merged.solve(columns, sense, sums)
            if result.status == 0:
                upper, lower = widened(upper, lower, block.witness(merged, result))
    for _attempt in range(len(merged.totals) * 2 + 2):  # each programme settles one column
        rising, falling = merged.open(upper, lower)
        if not len(rising) and not len(falling):
            return None
        column, sense = min([(c, -1.0) for c in rising] + [(c, 1.0) for c in falling])
        result = merged.solve([column], sense, sums)
        if result.status == 3:  # unbounded above: nothing to protect
            upper[column] = np.inf
            continue
        if result.status != 0 or too_narrow(result.x[column], merged.largest[column], rising=sense < 0):
            binding = np.flatnonzero(np.abs(result.eqlin.marginals) > ZERO) if result.status == 0 else []
            if not len(binding):
                binding = np.flatnonzero(merged.matrix[:, column])
            return {int(rows[i]): False for i in binding}
        upper, lower = widened(upper, lower, block.witness(merged, result))
    raise AssertionError("interval audit did not settle")


def merge_columns(block, published):
    columns, group = np.unique(published, axis=1, return_inverse=True)
    group = group.ravel()
    return Merged(
        matrix=columns,
        group=group,
        totals=np.bincount(group, block.totals),
        largest=largest_by_group(block.largest, group, columns.shape[1]),
        single=np.bincount(group, block.sizes) == 1,
    )


WITNESS_TOLERANCE = 1e-8  # a point kept from another published set must meet this one's sums this closely


@dataclass
class Merged:
    """Atoms merged by their published columns: the firms the published items cannot tell apart."""

    matrix: np.ndarray
    group: np.ndarray  # atom → merged column
    totals: np.ndarray
    largest: np.ndarray
    single: np.ndarray

    def of(self, point):
        return np.bincount(self.group, point, minlength=len(self.totals))

    def spread(self, point, totals):
        """A merged point back on the atoms, in proportion to their true totals."""
        whole = self.totals[self.group]
        evenly = 1 / np.bincount(self.group)[self.group]  # a column at zero: shared out evenly
        share = np.divide(totals, whole, out=evenly, where=whole > 0)
        return point[self.group] * share

    def open(self, upper, lower):
        """Merged columns whose interval is not yet proven wide enough: (to rise, to fall)."""
        # Several firms together: any of them can fall to zero, and rise to the whole with the others at zero.
        needed = self.largest > 0
        rising = (
            needed & too_narrow(self.totals, self.largest, rising=True) & too_narrow(upper, self.largest, rising=True)
        )
        falling = needed & self.single & too_narrow(lower, self.largest, rising=False)
        return np.flatnonzero(rising), np.flatnonzero(falling)

    def solve(self, columns, sense, sums):
        """Maximise (sense −1) or minimise (+1) the columns, each relative to its largest firm."""
        objective = np.zeros(len(self.totals))
        objective[columns] = sense / self.largest[columns]
        return linprog(objective, A_eq=self.matrix, b_eq=sums, bounds=(0, None), method="highs")


def largest_by_group(largest, group, count):
    result = np.zeros(count)
    np.maximum.at(result, group, largest)
    return result


def widened(upper, lower, point):
    return np.maximum(upper, point), np.minimum(lower, point)


def too_narrow(reached, largest, *, rising):
    if rising:
        return reached < (1 + INTERVAL_MARGIN) * largest + SLACK
    return reached > (1 - INTERVAL_MARGIN) * largest - SLACK


def certified_interval(published, totals):
    """An inner bound of each column's feasible interval, from the null-space projection of its unit vector.

    Columns at zero stay at zero (they could only rise, which this certificate does not need).
    """
    upper, lower = totals.copy(), totals.copy()
    moving = np.flatnonzero(totals > 0)
    if not len(moving):
        return upper, lower
    space = row_space(published[:, moving])
    directions = np.eye(len(moving)) - space.T @ space  # column g: e_g projected on the null space
    present = totals[moving][:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        rise = np.where(directions < -ZERO, present / -directions, np.inf).min(axis=0, initial=np.inf)
        fall = np.where(directions > ZERO, present / directions, np.inf).min(axis=0, initial=np.inf)
    own = np.diag(directions)
    movable = own > ZERO  # a column pinned among the non-zero ones is left to the linear programme
    upper[moving] = np.where(movable, totals[moving] + np.minimum(rise, 1e300) * own, totals[moving])
    lower[moving] = np.where(movable, totals[moving] - np.minimum(fall, 1e300) * own, totals[moving])
    return upper, np.maximum(lower, 0)
