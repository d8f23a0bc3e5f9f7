"""Every app setting's rule, checked once when settings are loaded (`check_settings`, the one
entry point; shared.config calls it when it reads the settings).

By idea: `connections` (storage connection strings, identity-based connections, the order
accounts, the uploads connection), `auth` (who may call), `check` (the entry point, and the
rule of each other setting). How values are written, which the settings reader shares, is
shared.settings_syntax. This package loads with the first read of the settings, not with the
app (cold start).
"""

from shared.settings_rules.auth import AUTH_SETTINGS, AZURE_MARKERS, azure_marker, issuer_url_ok
from shared.settings_rules.base import SettingProblem
from shared.settings_rules.check import check_settings
from shared.settings_rules.connections import MIN_PAGING_SECRET

__all__ = [
    "AUTH_SETTINGS",
    "AZURE_MARKERS",
    "MIN_PAGING_SECRET",
    "SettingProblem",
    "azure_marker",
    "check_settings",
    "issuer_url_ok",
]
