"""Select widgets that write their HTML in Python.

Django renders a <select> through one template include per <option>: a filter panel with a few hundred options
(industries, parks, departments, tags) took a fifth of the enterprise list's server time (docs/performance.md). These
write the markup of django/forms/widgets/select.html and select_option.html (less their blank lines), escaped the
same way.
"""

from django import forms
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import mark_safe


def html_attrs(attrs):
    """attrs.html: ` name="value"` each, ` name` for True, nothing for False (and None: Django's `stringformat` would
    print "None", which no widget here sets)."""
    return format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value),)
            for name, value in attrs.items()
            if value is not False and value is not None
        ),
    )


class QuickSelectMixin:
    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"{}>', widget["name"], html_attrs(widget["attrs"]))]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('\n  <optgroup label="{}">', group_name))
            for option in options:
                parts.append(
                    format_html(
                        '\n  <option value="{}"{}>{}</option>',
                        str(option["value"]),
                        html_attrs(option["attrs"]),
                        option["label"],
                    )
                )
            if group_name:
                parts.append(mark_safe("\n  </optgroup>"))
        parts.append(mark_safe("\n</select>"))
        return mark_safe("".join(conditional_escape(part) for part in parts))


class QuickSelect(QuickSelectMixin, forms.Select):
    pass


class QuickSelectMultiple(QuickSelectMixin, forms.SelectMultiple):
    pass


QUICK = {forms.Select: QuickSelect, forms.SelectMultiple: QuickSelectMultiple}


def quicken(widget):
    """Make a plain Select or SelectMultiple render in Python (same state, same markup); leave any other widget."""
    quick = QUICK.get(type(widget))
    if quick is not None:
        widget.__class__ = quick
