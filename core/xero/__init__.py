"""The Xero boundary: OAuth, the HTTP client, and what every Xero answer means for what happens next."""

import warnings

import authlib.deprecate  # noqa: F401 - it installs an "always" warning filter; ours must come after it

# Authlib 1.9 points at a successor of httpx; the hub stays on httpx on purpose (see README).
warnings.filterwarnings("ignore", message=".*httpx2.*")
