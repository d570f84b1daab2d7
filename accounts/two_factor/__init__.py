"""Two-factor login with an authenticator app (TOTP) and one-time recovery codes, on django-otp.

The password step (``views.LoginView``) signs in only people who need no second factor. Everyone else is
left *pending* in the session: no authenticated session exists until the code (or a recovery code) is
right, or, for a role that must use two factors and has no app yet, until the app is set up. The
middleware (HTTP) and the socket middleware (ASGI) refuse any other authenticated but unverified session
of such a person, e.g. one that began before their role changed. API tokens are not affected.
"""
