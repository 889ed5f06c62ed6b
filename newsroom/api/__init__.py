"""The shared API toolkit every app's `api/` builds on.

`mixins` (conditional GET), `pagination` (the default page-number pages and the
cursor base), `filters` (strict filter sets, UTC times, comma lists), `fields`
(cheap link and time fields), `renderers` (ninjs) and `queries` (per-row counts).
`urls` is the one router, mounted at /api/v1/; it is the only module here that
imports the apps, and this package's `__init__` imports nothing, so app code can
use the toolkit without an import circle.
"""

from __future__ import annotations
