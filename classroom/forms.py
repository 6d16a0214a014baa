"""Validation for every input a person or a socket can send, with the contract's error shape."""

import unicodedata

from django import forms

from classroom.models import Color

PRESSABLE = [Color.GREEN, Color.YELLOW, Color.RED, Color.NONE]
PRESSABLE_VALUES = frozenset(PRESSABLE)


def pressable_color(value) -> str | None:
    """The socket's check, once per press: a Form per press left ~20 objects in cycles, and at 2,000
    students the collector paused the server 100-300 ms to clear them (bench/cups_load.py)."""
    return str(value) if isinstance(value, str) and value in PRESSABLE_VALUES else None


def clean_display_text(value: str, *, max_length: int) -> str:
    """Refuses control and bidi-override characters; markup is allowed here and escaped where shown."""
    value = unicodedata.normalize("NFC", value).strip()
    if len(value) > max_length:
        raise forms.ValidationError(f"At most {max_length} characters.")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs") for ch in value):
        raise forms.ValidationError("Control and direction characters are not allowed.")
    return value


class CupForm(forms.Form):
    color = forms.ChoiceField(choices=[(c.value, c.label) for c in PRESSABLE])


class NameForm(forms.Form):
    name = forms.CharField(required=False, strip=False, max_length=200)

    def clean_name(self):
        return clean_display_text(self.cleaned_data["name"], max_length=40)


class LessonCreateForm(forms.Form):
    title = forms.CharField(max_length=120)

    def clean_title(self):
        return clean_display_text(self.cleaned_data["title"], max_length=120) or "Lesson"


class LessonUpdateForm(forms.Form):
    title = forms.CharField(required=False, max_length=120)
    open = forms.NullBooleanField(required=False)
    alert_red_share = forms.FloatField(required=False, min_value=0.01, max_value=1.0)
    alert_min_red = forms.IntegerField(required=False, min_value=1, max_value=10000)
    stale_after_s = forms.IntegerField(required=False, min_value=10, max_value=24 * 3600)

    def __init__(self, data, *args, **kwargs):
        self.sent = set(data)
        super().__init__(data, *args, **kwargs)

    def clean_title(self):
        return clean_display_text(self.cleaned_data["title"], max_length=120)

    def changes(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k in self.sent and v is not None and v != ""}


class MarkerForm(forms.Form):
    label = forms.CharField(max_length=200)

    def clean_label(self):
        label = clean_display_text(self.cleaned_data["label"], max_length=60)
        if not label:
            raise forms.ValidationError("Give the topic a short label.")
        return label
