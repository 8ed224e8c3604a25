"""What several of the statistics services share."""

from kaifaqu.core.history import attributed


def save_with_history(instance, actor):
    """Validate `instance` as a whole (clean() and constraints) and save it in the actor's name."""
    attributed(instance, actor)
    instance.full_clean()
    instance.save()
    return instance
