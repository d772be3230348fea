"""The console: an aiohttp app serving the demo support page, the widget and the console API.

``python -m bot.console [--port N]`` runs it (port from ``CONSOLE_PORT``, default 8080).
Routes are listed in ``bot.console.app.create_app``; see docs/widget.md.
"""
