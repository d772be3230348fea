"""The test Official Account and WeCom application: the simulator plays WeChat for them and
the test Rasa servers are configured with them (`channel_env`)."""

from typing import Dict

from tests.channels.simulator import Account

OA_ACCOUNT = Account(
    product="oa",
    token="fapiao-test-token",
    aes_key="hYX9YI2EqvAqFPWiFpCaDnYs2hgD7ZGj1fgFJsFJYaO",
    receive_id="wx7e3f1c2a9b5d4e60",
    secret="oa-test-secret",
    original_id="gh_fapiao0000001",
    mode="safe",
)

WECOM_ACCOUNT = Account(
    product="wecom",
    token="wecom-test-token",
    aes_key="Aj9hlED7S1jNYrqycE0WOrvVCQwtBiEWW6PMUbnpyRX",
    receive_id="ww5a1b2c3d4e5f6789",
    secret="wecom-test-secret",
    agent_id="1000002",
)


def channel_env(api_base: str) -> Dict[str, str]:
    """Environment of a Rasa server whose WeChat and WeCom channels talk to the simulator."""
    return {
        "WECHAT_TOKEN": OA_ACCOUNT.token,
        "WECHAT_APP_ID": OA_ACCOUNT.receive_id,
        "WECHAT_APP_SECRET": OA_ACCOUNT.secret,
        "WECHAT_AES_KEY": OA_ACCOUNT.aes_key,
        "WECHAT_MODE": OA_ACCOUNT.mode,
        "WECHAT_API_BASE": api_base,
        "WECOM_TOKEN": WECOM_ACCOUNT.token,
        "WECOM_CORP_ID": WECOM_ACCOUNT.receive_id,
        "WECOM_AES_KEY": WECOM_ACCOUNT.aes_key,
        "WECOM_AGENT_ID": WECOM_ACCOUNT.agent_id,
        "WECOM_SECRET": WECOM_ACCOUNT.secret,
        "WECOM_API_BASE": api_base,
    }
