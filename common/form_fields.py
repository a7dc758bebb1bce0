"""Template tags for form fields, loaded as `{% load form_fields %}` (registered in the
TEMPLATES setting: `common` is not an app).

Django already marks a field with errors `aria-invalid="true"` and points its
`aria-describedby` at `<id>_error` and `<id>_helptext`; `templates/sessions_seats/_form_field.html`
gives the error list and help text those ids. What Django cannot know is when the form's own
errors are about some fields too, as a wrong email and password are about both."""

from __future__ import annotations

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def field_widget(field: BoundField, form_errors_id: str = "") -> SafeString:
    """The field's input; with `form_errors_id`, the form's own errors (the element of that id)
    describe it too and mark it invalid while there are any."""
    if not form_errors_id or not field.form.non_field_errors():
        return field.as_widget()
    described_by = " ".join(filter(None, [field.aria_describedby, form_errors_id]))
    return field.as_widget(attrs={"aria-invalid": "true", "aria-describedby": described_by})
