"""The app: one FunctionApp composed from the blueprints. No logic lives here."""

import azure.functions as func

from blueprints import changes, images, orders, schedules, system, upload_page, warmup

# Function keys are no lock for public clients: callers are identified by the platform's
# authentication and each route's rules (docs/security.md).
app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
app.register_functions(orders.bp)
app.register_functions(system.bp)
app.register_functions(changes.bp)
app.register_functions(schedules.bp)
app.register_functions(images.bp)
app.register_functions(upload_page.bp)
app.register_functions(warmup.bp)
