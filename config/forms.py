"""How form widgets are rendered: by Django's own Jinja2 templates for them, falling back to
the Django template engine for widgets that only it has templates for (the admin's).

The Django template engine renders a select as a template per option, and the widgets were
two fifths of a staff page's rendering; Jinja2 compiles each widget template to Python once.
The pages themselves stay Django templates, and the HTML of a widget is the same either way
(tests/test_form_renderer.py compares them).
"""

from __future__ import annotations

from typing import Any

from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist


class FormRenderer(BaseRenderer):
    def __init__(self) -> None:
        self.jinja2, self.django = Jinja2(), DjangoTemplates()

    def get_template(self, template_name: str) -> Any:
        try:
            return self.jinja2.get_template(template_name)
        except TemplateDoesNotExist:
            return self.django.get_template(template_name)
