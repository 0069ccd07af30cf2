from django.apps import AppConfig


class SecurityConfig(AppConfig):
    """Admin sign-in hardening: the second factor (django-otp) and the lock-out page (django-axes)."""

    name = "cms.security"
    label = "security"
    verbose_name = "Keamanan admin"
