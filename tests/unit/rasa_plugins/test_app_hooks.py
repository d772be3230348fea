"""bot/rasa_plugins/app_hooks.py: every registered hook runs once on each app Rasa builds, in the
order of registration; registering a name again replaces its hook."""
from __future__ import annotations

import rasa.core.run

from bot.rasa_plugins import app_hooks


def test_each_hook_runs_once_per_app_in_order_and_a_name_is_replaced(monkeypatch):
    built = []
    monkeypatch.setattr(rasa.core.run, "configure_app", lambda *a, **k: built.append([]) or built[-1])
    monkeypatch.setattr(app_hooks, "_hooks", {})
    app_hooks.on_every_app("first", lambda app: app.append("old first"))
    app_hooks.on_every_app("second", lambda app: app.append("second"))
    app_hooks.on_every_app("first", lambda app: app.append("first"))
    app = rasa.core.run.configure_app()
    assert app == ["first", "second"]
    assert rasa.core.run.configure_app() == ["first", "second"] and len(built) == 2
