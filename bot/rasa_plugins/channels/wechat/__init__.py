"""WeChat Official Account and WeCom input channels for Rasa (see docs/wechat.md)."""
