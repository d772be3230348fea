"""Every custom action in the domain is implemented exactly once, and nothing more."""
import yaml
from rasa_sdk.executor import ActionExecutor

from bot.app.settings import PROJECT_ROOT


def test_domain_actions_match_the_registered_ones():
    executor = ActionExecutor()
    executor.register_package("actions")
    registered = set(executor.actions)
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert set(domain["actions"]) == registered
