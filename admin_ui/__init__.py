"""The admin pages, served under /admin: server-rendered HTML over the same domain services as the JSON API.

`admin_ui.routes.ADMIN_ROUTE_HANDLERS` is what the gateway's Litestar app registers.
"""
