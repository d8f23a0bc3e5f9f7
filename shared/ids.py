"""The one rule for the ids the app stores and routes on: orders, customers, products.

It lives apart from the orders package because the caller's customer id must follow it too
(shared.auth): it becomes a table key and the folder of the customer's images, so it must be
one safe path segment.
"""

from __future__ import annotations

import re

__all__ = ["ID_PATTERN"]

ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")
