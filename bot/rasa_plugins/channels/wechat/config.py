"""Environment configuration shared by the WeChat and WeCom channels.

Per-account settings (WECHAT_* / WECOM_*) are read in `oa.py` and `wecom.py`; the tunables
below apply to both channels. docs/wechat.md lists every variable.
"""

from typing import Dict, Mapping, Optional

from bot.rasa_plugins.channels.wechat.common import HandlerSettings
from bot.rasa_plugins.channels.wechat.render import DEFAULT_BUTTON_HINT


class ConfigError(ValueError):
    """The channel cannot run with this configuration (the message names the variables)."""


def required(env: Mapping[str, str], *names: str) -> Dict[str, str]:
    values = {name: env.get(name, "").strip() for name in names}
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise ConfigError(f"missing {', '.join(missing)}")
    return values


def _number(env: Mapping[str, str], name: str, default: float, minimum: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number") from None
    if value < minimum:
        raise ConfigError(f"{name}={raw!r} is below {minimum}")
    return value


def handler_settings(env: Mapping[str, str]) -> HandlerSettings:
    """WECHAT_REPLY_BUDGET (s, default 4.0), WECHAT_REPLAY_WINDOW (s, 300),
    WECHAT_MAX_BODY (bytes, 65536), WECHAT_BUTTON_HINT ("回复数字选择")."""
    budget = _number(env, "WECHAT_REPLY_BUDGET", 4.0, 0.0)
    if budget >= 5.0:
        raise ConfigError("WECHAT_REPLY_BUDGET must stay below WeChat's 5 s timeout")
    return HandlerSettings(
        reply_budget=budget,
        replay_window=_number(env, "WECHAT_REPLAY_WINDOW", 300.0, 1.0),
        max_body=int(_number(env, "WECHAT_MAX_BODY", 64 * 1024, 1024)),
        button_hint=env.get("WECHAT_BUTTON_HINT", DEFAULT_BUTTON_HINT),
    )


def redis_url(env: Mapping[str, str]) -> Optional[str]:
    """REDIS_URL (e.g. redis://127.0.0.1:6379/0) shares channel state between replicas."""
    return env.get("REDIS_URL", "").strip() or None


def api_base(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name, "").strip() or default
    if not value.startswith(("http://", "https://")):
        raise ConfigError(f"{name}={value!r} is not an http(s) URL")
    return value.rstrip("/")
