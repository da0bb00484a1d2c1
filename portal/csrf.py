"""The CSRF check of the multipart forms (uploads of proposals and video reports), which asgi-csrf cannot read
(web/app.py): the form's token must be the cookie asgi-csrf set, and carry its signature."""

from __future__ import annotations

import secrets

from asgi_csrf import DEFAULT_COOKIE_NAME, DEFAULT_FORM_INPUT, DEFAULT_SIGNING_NAMESPACE
from itsdangerous import BadSignature
from itsdangerous.url_safe import URLSafeSerializer
from starlette.datastructures import FormData
from starlette.requests import Request


def form_token_matches(request: Request, form: FormData, signing_secret: str) -> bool:
    cookie = request.cookies.get(DEFAULT_COOKIE_NAME, "")
    submitted = form.get(DEFAULT_FORM_INPUT)
    if not cookie or not isinstance(submitted, str):
        return False
    try:
        URLSafeSerializer(signing_secret).loads(cookie, DEFAULT_SIGNING_NAMESPACE)
    except BadSignature:
        return False
    return secrets.compare_digest(cookie, submitted)
