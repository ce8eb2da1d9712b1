"""Demo accounts. The password is printed by seed_demo and only ever used for the demo."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress

from accounts.models import Organisation, User
from accounts.roles import Role

DEMO_PASSWORD = "rematch-demo-2026"  # noqa: S105 - public demo credential
ORGANISATION = "Hilfe ohne Grenzen e.V."

DEMO_USERS = [
    ("koordination@rematch.example", "Clara Koordinatorin", Role.COORDINATOR),
    ("beratung@rematch.example", "Bernd Berater", Role.CASEWORKER),
]


def ensure_user(email: str, full_name: str, role: str, **extra: Any) -> User:
    user, created = User.objects.get_or_create(
        email=email, defaults={"full_name": full_name, "role": role, **extra}
    )
    if created:
        if role == Role.REFUGEE:
            user.set_unusable_password()
        else:
            user.set_password(DEMO_PASSWORD)
        user.save()
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def organisation() -> Organisation:
    org, _ = Organisation.objects.get_or_create(
        name=ORGANISATION, defaults={"city": "Berlin", "contact_email": "kontakt@hog.example"}
    )
    return org


def seed(*, scale: str, stdout: Any) -> None:
    org = organisation()
    for email, name, role in DEMO_USERS:
        ensure_user(email, name, role, organisation=org if role == Role.CASEWORKER else None)
    admin = ensure_user("admin@rematch.example", "Admin", Role.COORDINATOR)
    if not admin.is_superuser:
        admin.is_staff = admin.is_superuser = True
        admin.save(update_fields=["is_staff", "is_superuser"])


def print_logins(stdout: Any) -> None:
    stdout.write(f"\nDemo logins (password for all staff accounts: {DEMO_PASSWORD})\n")
    for user in User.objects.filter(email__endswith="@rematch.example").order_by("role", "email"):
        how = "one-time code (printed in this console)" if user.is_refugee else "password"
        stdout.write(f"  {user.get_role_display():<26} {user.email:<36} {how}\n")
