"""The server wing: the app factory, its routers, the query engine, pages, templates, static files.

Nothing is imported here: the engine's worker processes import `diplokg.server.engine` and
must not load the web stack with it.
"""
