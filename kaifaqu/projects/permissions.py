"""Who may do what with projects, in the app's own words. Each question is one line over `user.may`
(kaifaqu/accounts/models.py): the model's Scope and the user's memberships decide. Visibility (the row in the user's
view scope) is decided by restrict() before any of these is asked."""

from kaifaqu.zones.models import Zone


def writable_zones(user, model):
    """Zones where the user may write `model` (every zone for the system administrator), for a form's zone field."""
    if user.is_system_admin:
        return Zone.objects.all()
    return Zone.objects.filter(pk__in=user.writable_zone_ids(model.scope))
