"""The code forms of the second sign-in step, on django-otp's own form and devices, in Indonesian."""

from django import forms
from django_otp.forms import OTPTokenForm
from django_otp.models import VerifyNotAllowed

MESSAGES = {
    "token_required": "Masukkan kode 6 angka dari aplikasi autentikator.",
    "invalid_token": "Kode salah atau sudah kedaluwarsa. Periksa jam ponsel Anda, lalu coba lagi.",
    "n_failed_attempts": (
        "Verifikasi dihentikan sementara setelah %(failure_count)d kali kode salah. Tunggu sebentar, "
        "lalu coba lagi."
    ),
    "verification_not_allowed": "Verifikasi kode sedang tidak diizinkan. Coba lagi nanti.",
    "device_required": "Akun ini belum memiliki aplikasi autentikator.",
}
CODE_WIDGET = forms.TextInput(
    attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]*", "autofocus": True}
)


class VerifyForm(OTPTokenForm):
    """django-otp's OTPTokenForm with the user's one TOTP device chosen for them (no select box)."""

    otp_error_messages = {**OTPTokenForm.otp_error_messages, **MESSAGES}

    def __init__(self, user, request=None, *args, **kwargs):
        super().__init__(user, request, *args, **kwargs)
        field = self.fields["otp_device"]
        field.widget = forms.HiddenInput()
        choices = [value for value, _label in field.choices if value]
        field.initial = choices[0] if choices else ""
        token = self.fields["otp_token"]
        token.label = "Kode verifikasi"
        token.widget = CODE_WIDGET


class SetupForm(forms.Form):
    """The first code from a newly added authenticator app: proves the phone holds the secret."""

    otp_token = forms.CharField(
        label="Kode verifikasi",
        max_length=16,
        widget=CODE_WIDGET,
        error_messages={"required": MESSAGES["token_required"]},
    )

    def __init__(self, device, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_otp_token(self):
        token = self.cleaned_data["otp_token"].strip().replace(" ", "")
        allowed, extra = self.device.verify_is_allowed()  # django-otp's own throttling
        if not allowed:
            if extra.get("reason") == VerifyNotAllowed.N_FAILED_ATTEMPTS:
                raise forms.ValidationError(MESSAGES["n_failed_attempts"] % extra)
            raise forms.ValidationError(MESSAGES["verification_not_allowed"])
        if not self.device.verify_token(token):
            raise forms.ValidationError(MESSAGES["invalid_token"])
        return token
