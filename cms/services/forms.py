"""The service page's edit form: the responsible editor is chosen among the OPD's own editors."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from wagtail.admin.forms import WagtailAdminPageForm


def opd_editors(opd):
    """The active users of the OPD's editor group (cms.services.setup.ensure_editor_group)."""
    return get_user_model().objects.filter(is_active=True, groups__opd_link__opd=opd).distinct()


class ServicePageForm(WagtailAdminPageForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("responsible_editor")
        if field is None:
            return
        from .models import OpdPage

        opd = OpdPage.holding(self.parent_page) if self.parent_page is not None else None
        editors = opd_editors(opd) if opd is not None else get_user_model().objects.none()
        current = self.instance.responsible_editor_id
        if current:  # an editor who left the group stays shown until someone else is chosen
            editors = get_user_model().objects.filter(pk__in=[*editors.values_list("pk", flat=True), current])
        field.queryset = editors.order_by("username")
        field.empty_label = "— semua editor OPD ini —"
        field.label_from_instance = lambda user: user.get_full_name() or user.username
        self._opd = opd

    def clean_responsible_editor(self):
        user = self.cleaned_data.get("responsible_editor")
        opd = getattr(self, "_opd", None)
        if user is not None and opd is not None and not opd_editors(opd).filter(pk=user.pk).exists():
            raise ValidationError("Penanggung jawab harus anggota grup editor OPD layanan ini.")
        return user
