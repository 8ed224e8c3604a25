"""The Python-written selects give Django's markup (less its blank lines), escaped, selected and grouped alike."""

import pytest
from django import forms

from kaifaqu.core.forms import style_fields
from kaifaqu.core.widgets import QuickSelect, QuickSelectMultiple

CHOICES = [("", "全部"), ("a<b", 'A & B "q"'), ("组<1>", [("1", "one"), ("2", "two")]), (3, "three")]
ATTRS = {"class": "form-select", "data-picker": "1", "disabled": True, "hidden": False}


def without_blank_lines(html):
    return "\n".join(line for line in html.splitlines() if line.strip())


@pytest.mark.parametrize(
    ("plain", "quick", "value"),
    [
        (forms.Select, QuickSelect, "2"),
        (forms.Select, QuickSelect, None),
        (forms.SelectMultiple, QuickSelectMultiple, ["1", "3"]),
    ],
)
def test_same_markup_as_django(plain, quick, value):
    expected = plain(choices=CHOICES, attrs=ATTRS).render("f", value, {"id": "id_f"})
    written = quick(choices=CHOICES, attrs=ATTRS).render("f", value, {"id": "id_f"})
    assert written == without_blank_lines(expected)


def test_styled_forms_get_quick_selects_and_keep_other_widgets():
    class Form(forms.Form):
        one = forms.ChoiceField(choices=CHOICES)
        many = forms.MultipleChoiceField(choices=CHOICES)
        radio = forms.ChoiceField(choices=CHOICES, widget=forms.RadioSelect)

    form = Form()
    style_fields(form.fields)
    assert type(form.fields["one"].widget) is QuickSelect
    assert type(form.fields["many"].widget) is QuickSelectMultiple
    assert type(form.fields["radio"].widget) is forms.RadioSelect
    assert 'class="form-select"' in str(form["one"])
