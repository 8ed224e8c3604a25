"""Signals of the enterprises app for higher apps that keep data derived from a firm (this app imports none of them).

- `placement_changed(enterprise_ids)`: sent after firms' zone, park or industry changed, in the writing transaction.
  Statistics re-summarises the firms' figures on it (kaifaqu.stats.summaries), whatever wrote the change: a save of
  the model (forms, the API, relocation) or the import's bulk update.
"""

from django.dispatch import Signal

placement_changed = Signal()

# The columns of a firm whose change moves its figures between groups of the statistics (园区, 门类/大类) or zones.
PLACEMENT_FIELDS = ("zone_id", "park_id", "industry_id")
