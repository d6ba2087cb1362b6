"""Sign in (the form lives in web/ui/sign_in_form.py, which app.py also shows at any page's address)."""

from __future__ import annotations

from web.ui import sign_in_form

sign_in_form.show()
