"""Chinese number format: thousands grouped with commas (864,890.60), as zone reports print them.

Everything else comes from Django's zh_Hans formats.
"""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
