"""One place where the project's changes reach every Sanic app Rasa builds.

Rasa 3.6 builds its server's app in ``rasa.core.run.configure_app``. The hardening, the kept
connections to the action server and the frozen start-up heap each need that app (a listener, an
error handler, middleware). ``on_every_app(name, hook)`` registers ``hook(app)`` under ``name``
(registering a name again replaces its hook), and ``configure_app`` is wrapped once to run the
hooks, in the order they were first registered, on the app it built. A hook changes the app it
is given; what it returns is ignored.
"""
from __future__ import annotations

from typing import Any, Callable, Dict

_hooks: Dict[str, Callable[[Any], Any]] = {}


def on_every_app(name: str, hook: Callable[[Any], Any]) -> None:
    """Run ``hook(app)`` on every app ``rasa.core.run.configure_app`` builds from now on."""
    import rasa.core.run

    _hooks[name] = hook
    configure = rasa.core.run.configure_app
    if getattr(configure, "fapiao_hooks", False):
        return

    def configure_app(*args: Any, **kwargs: Any) -> Any:
        app = configure(*args, **kwargs)
        for hook_of_a_name in list(_hooks.values()):
            hook_of_a_name(app)
        return app

    configure_app.fapiao_hooks = True  # type: ignore[attr-defined]
    rasa.core.run.configure_app = configure_app
