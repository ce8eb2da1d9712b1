"""Django's messages that another installed catalogue shadows with informal German, in the
project's own catalogues.

Django REST framework's German catalogue comes before Django's (INSTALLED_APPS order) and
translates two of Django's validation messages informally: "Enter a valid email address." reads
"Gib eine gültige E-Mail Adresse an." on every e-mail field of the portal. The product speaks
formal German ("Sie"); the project's locale/ comes first in LOCALE_PATHS, so its translations of
these msgids win. `makemessages` keeps a msgid only while some source names it: this module names
them. It is never imported. (allauth's are in accounts/allauth_strings.py;
tests/i18n/test_catalogues.py finds any that a new release adds.)
"""

from django.utils.translation import gettext_noop

MESSAGES = [
    gettext_noop("Enter a valid email address."),
    gettext_noop("Enter a valid URL."),
]
