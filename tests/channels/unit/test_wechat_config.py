"""Configuration from the environment, the disabled mode, and credentials.yml."""

import logging
from pathlib import Path

import pytest
import yaml

from bot.rasa_plugins.channels.wechat import config
from bot.rasa_plugins.channels.wechat.oa import COMPAT, PLAINTEXT, SAFE, WeChatOfficialAccountInput
from bot.rasa_plugins.channels.wechat.wecom import WeComInput

AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
OA_ENV = {"WECHAT_TOKEN": "t", "WECHAT_APP_ID": "wx1", "WECHAT_APP_SECRET": "s", "WECHAT_AES_KEY": AES_KEY}
WECOM_ENV = {"WECOM_TOKEN": "t", "WECOM_CORP_ID": "ww1", "WECOM_AES_KEY": AES_KEY,
             "WECOM_AGENT_ID": "1000002", "WECOM_SECRET": "s"}
REPO = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    "env, mode",
    [(OA_ENV, SAFE), ({**OA_ENV, "WECHAT_AES_KEY": ""}, PLAINTEXT),
     ({**OA_ENV, "WECHAT_MODE": "compat"}, COMPAT)],
)
def test_oa_mode_follows_the_aes_key(env, mode):
    handler = WeChatOfficialAccountInput.build_handler(env)
    assert handler.protocol.mode == mode
    assert (handler.protocol.cipher is None) == (mode == PLAINTEXT)
    assert handler.settings.reply_budget == 4.0 and handler.settings.max_body == 65536


@pytest.mark.parametrize(
    "env, message",
    [
        ({}, "missing WECHAT_TOKEN, WECHAT_APP_ID, WECHAT_APP_SECRET"),
        ({**OA_ENV, "WECHAT_AES_KEY": "short"}, "WECHAT_AES_KEY"),
        ({**OA_ENV, "WECHAT_AES_KEY": "", "WECHAT_MODE": "safe"}, "WECHAT_AES_KEY"),
        ({**OA_ENV, "WECHAT_MODE": "secure"}, "WECHAT_MODE"),
        ({**OA_ENV, "WECHAT_REPLY_BUDGET": "5"}, "WECHAT_REPLY_BUDGET"),
        ({**OA_ENV, "WECHAT_REPLY_BUDGET": "soon"}, "WECHAT_REPLY_BUDGET"),
        ({**OA_ENV, "WECHAT_API_BASE": "api.weixin.qq.com"}, "WECHAT_API_BASE"),
    ],
)
def test_oa_configuration_errors_name_the_variable(env, message):
    with pytest.raises(config.ConfigError, match=message):
        WeChatOfficialAccountInput.build_handler(env)


@pytest.mark.parametrize(
    "env, message",
    [
        ({}, "missing WECOM_TOKEN, WECOM_CORP_ID, WECOM_AES_KEY, WECOM_AGENT_ID, WECOM_SECRET"),
        ({**WECOM_ENV, "WECOM_AGENT_ID": "app"}, "WECOM_AGENT_ID"),
        ({**WECOM_ENV, "WECOM_AES_KEY": AES_KEY + "x"}, "WECOM_AES_KEY"),
    ],
)
def test_wecom_configuration_errors_name_the_variable(env, message):
    with pytest.raises(config.ConfigError, match=message):
        WeComInput.build_handler(env)


def test_tunables_are_read():
    handler = WeComInput.build_handler({**WECOM_ENV, "WECHAT_REPLY_BUDGET": "0.05",
                                        "WECHAT_REPLAY_WINDOW": "60", "WECHAT_MAX_BODY": "4096",
                                        "WECOM_API_BASE": "http://127.0.0.1:1/"})
    settings = handler.settings
    assert (settings.reply_budget, settings.replay_window, settings.max_body) == (0.05, 60, 4096)


@pytest.mark.parametrize("channel, prefix", [(WeChatOfficialAccountInput, "WECHAT_"), (WeComInput, "WECOM_")])
def test_missing_settings_disable_the_channel_with_one_log_line(monkeypatch, caplog, channel, prefix):
    import os

    for name in list(os.environ):
        if name.startswith(prefix):
            monkeypatch.delenv(name)
    with caplog.at_level(logging.INFO):
        instance = channel.from_credentials(None)
    assert instance.handler is None
    lines = [r for r in caplog.records if "disabled" in r.getMessage()]
    assert len(lines) == 1 and prefix + "TOKEN" in lines[0].getMessage()
    assert instance.get_output_channel() is None
    instance.blueprint(lambda message: None)  # still mounts (its webhook answers 503)


def test_credentials_yml_lists_both_channels():
    credentials = yaml.safe_load((REPO / "credentials.yml").read_text(encoding="utf-8"))
    assert "bot.rasa_plugins.channels.wechat.oa.WeChatOfficialAccountInput" in credentials
    assert "bot.rasa_plugins.channels.wechat.wecom.WeComInput" in credentials
