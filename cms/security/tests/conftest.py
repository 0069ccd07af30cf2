import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

PASSWORD = "kata-sandi-uji-123"


@pytest.fixture
def admin_user(db):
    """An account that may use the Wagtail admin (not a superuser): what an OPD editor has."""
    user = get_user_model().objects.create_user("editor-uji", password=PASSWORD)
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    return user


def log_in(client, username, password=PASSWORD, **extra):
    """Through Wagtail's own login form, as a browser posts it."""
    return client.post("/admin/login/", {"username": username, "password": password}, **extra)
