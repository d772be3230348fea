"""WeChat / WeCom channel settings for the test stack (tests/conftest.py looks for this).

The accounts are defined next to the simulator that plays WeChat for them.
"""
from tests.channels.accounts import channel_env as wechat_test_env

__all__ = ["wechat_test_env"]
