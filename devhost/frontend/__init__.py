"""devhost's HTTP front end: aiohttp's low-level server on the host's event loop.

`server` owns the listening socket, the body limit and the drain on shutdown; `dispatch`
hands each request by its path to the part that serves it: HTTP functions (`functions`, with
`cors`), the admin API (`admin`) or an extension's webhook (`extensions`), behind App Service
authentication's gate when devhost runs with `--easy-auth` (devhost.auth). The host's own API
(admin, webhooks) is locked to this machine, and with `--easy-auth` to the host's keys
(`hostapi`); function keys are not enforced, as with `func start`. `protocol` answers what
cannot be parsed as Kestrel does.
"""

from devhost.frontend.admin import AdminApi
from devhost.frontend.cors import CorsPolicy
from devhost.frontend.dispatch import Frontend
from devhost.frontend.extensions import ExtensionWebhooks
from devhost.frontend.functions import HttpFunctions
from devhost.frontend.hostapi import HostApiGuard
from devhost.frontend.server import MAX_BODY_BYTES, HttpServer

__all__ = [
    "MAX_BODY_BYTES",
    "AdminApi",
    "CorsPolicy",
    "ExtensionWebhooks",
    "Frontend",
    "HostApiGuard",
    "HttpFunctions",
    "HttpServer",
]
