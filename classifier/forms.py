"""Validation of a job request: the contract's limits, with messages a student understands."""

import re

from django import forms

from classifier.models import Mode

LABEL_PATTERN = re.compile(r"^[^\W_]([^\W_]| |-)*$")  # letters (any script), digits, spaces, hyphens


class LabelsField(forms.Field):
    def to_python(self, value):
        if value in (None, ""):
            return ["bird", "forest"]
        if isinstance(value, str):
            value = [part for part in value.split(",")]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise forms.ValidationError("labels must be a list of words.")
        return [" ".join(v.split()) for v in value]

    def validate(self, labels):
        if not 2 <= len(labels) <= 5:
            raise forms.ValidationError("Give 2 to 5 labels.")
        for label in labels:
            if not 1 <= len(label) <= 40 or not LABEL_PATTERN.match(label):
                raise forms.ValidationError(
                    f"{label[:40]!r} is not a usable label: 1–40 letters, digits, spaces or hyphens."
                )
        if len({label.casefold() for label in labels}) != len(labels):
            raise forms.ValidationError("Each label must be different (ignoring capitals).")


class JobForm(forms.Form):
    labels = LabelsField(required=False)
    images_per_label = forms.IntegerField(required=False, min_value=10, max_value=300)
    epochs = forms.IntegerField(required=False, min_value=1, max_value=10)
    mode = forms.ChoiceField(required=False, choices=Mode.choices)

    def clean(self):
        data = super().clean()
        data["images_per_label"] = data.get("images_per_label") or 150
        data["epochs"] = data.get("epochs") or 3
        data["mode"] = data.get("mode") or Mode.QUICK
        return data
